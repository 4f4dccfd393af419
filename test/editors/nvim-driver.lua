-- Test driver run inside real headless Neovim, after editor-configs/neovim/test-init.lua
-- has set up the shipped dhi.lua. It reads a JSON spec from $DHI_TEST_SPEC, drives
-- vim.lsp, writes what it saw as JSON to $DHI_TEST_OUT, and quits.
--
--   nvim --headless -u editor-configs/neovim/test-init.lua file.py -c "luafile test/editors/nvim-driver.lua"

local spec = vim.json.decode(vim.env.DHI_TEST_SPEC or "{}")
local out_path = assert(vim.env.DHI_TEST_OUT, "DHI_TEST_OUT is not set")
local timeout = spec.timeoutMs or 30000
local out = { nvimVersion = tostring(vim.version().major .. "." .. vim.version().minor .. "." .. vim.version().patch) }
local bufnr = vim.api.nvim_get_current_buf()

local function write_out()
  local file = assert(io.open(out_path, "w"))
  file:write(vim.json.encode(out))
  file:close()
end

local function client_name(id)
  local client = vim.lsp.get_client_by_id(id)
  return client and client.name or tostring(id)
end

-- { [client name] = { err, result } } from buf_request_sync's { [client_id] = ... }.
local function by_client(responses)
  local result = {}
  for id, response in pairs(responses or {}) do
    result[client_name(id)] = { err = response.err or vim.NIL, result = response.result or vim.NIL }
  end
  return result
end

local function buffer_text()
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
end

-- Runs one code action the way a user does: vim.lsp.buf.code_action (0.8+) or
-- range_code_action (0.7) opens vim.ui.select, which we answer by title; Neovim
-- then sends codeAction/resolve and applies the edit. With an instruction, the
-- shipped require("dhi").rewrite() is used instead (0.8+ applies it directly).
local function run_code_action(title_prefix, range, instruction, is_resolved)
  local chosen
  local original_select = vim.ui.select
  vim.ui.select = function(items, _, on_choice)
    for _, item in ipairs(items) do
      -- items are { client_id, action } tuples (0.7) or { ctx = , action = } (0.10+)
      local action = item.action or item[2]
      if action and action.title and vim.startswith(action.title, title_prefix) then
        chosen = action
        return on_choice(item)
      end
    end
    return on_choice(nil)
  end
  local original_notify = vim.notify
  local nothing = false
  vim.notify = function(msg, ...)
    if type(msg) == "string" and msg:find("No code actions", 1, true) then nothing = true end
    return original_notify(msg, ...)
  end
  local start_pos = { range.start.line + 1, range.start.character }
  local end_pos = { range["end"].line + 1, math.max(range["end"].character - 1, 0) }
  local ok, err = pcall(function()
    if instruction then
      require("dhi").rewrite(instruction, { range = { start = start_pos, ["end"] = end_pos } })
    elseif vim.fn.has("nvim-0.8") == 1 then
      vim.lsp.buf.code_action({ range = { start = start_pos, ["end"] = end_pos } })
    else
      vim.lsp.buf.range_code_action({ diagnostics = {} }, start_pos, end_pos)
    end
  end)
  -- The menu opens asynchronously once every client has answered (or a
  -- "No code actions available" notification replaces it).
  vim.wait(timeout, function() return chosen ~= nil or nothing or is_resolved() end, 20)
  vim.notify = original_notify
  vim.ui.select = original_select
  return ok, err, chosen
end

local function main()
  local dhi = require("dhi")
  -- Wait for initialize; stop early if the server process died (get_client_by_id
  -- also sees clients that are still initializing, until they exit).
  local seen = {}
  local attached = vim.wait(timeout, function()
    local client = dhi.client(bufnr)
    if client ~= nil and client.initialized == true then return true end
    local alive = false
    for id = 1, 10 do
      if vim.lsp.get_client_by_id(id) then
        seen[id] = true
        alive = true
      end
    end
    if next(seen) and not alive then out.serverExited = true return true end
    return false
  end, 20)
  local client = dhi.client(bufnr)
  out.attached = attached and client ~= nil
  out.filetype = vim.bo[bufnr].filetype
  if not out.attached then return end
  out.clientName = client.name
  out.rootDir = client.config.root_dir
  out.serverCapabilities = client.server_capabilities

  -- Completion, the way a completion plugin asks for it: the cursor's position params.
  -- In insert mode the cursor may sit after the last character; allow that here.
  -- The tiny test model may have nothing to say at a given spot, so the spec can
  -- list several cursor positions: the first that yields an item is recorded.
  if spec.completion then
    vim.o.virtualedit = "onemore"
    for index, position in ipairs(spec.completion.positions) do
      vim.api.nvim_win_set_cursor(0, { position.line + 1, position.character })
      local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
      params.context = { triggerKind = 1 }
      local started = vim.loop.hrtime()
      local replies = vim.lsp.buf_request_sync(bufnr, "textDocument/completion", params, timeout)
      out.completionMs = (vim.loop.hrtime() - started) / 1e6
      out.completionParams = params
      out.completionAttempt = index
      out.completion = by_client(replies)
      local dhi_reply = out.completion[client.name]
      local result = dhi_reply and dhi_reply.result
      local items = type(result) == "table" and (result.items or result) or {}
      if #items > 0 then break end
    end
  end

  -- dhi/status: the completion above loaded the model; the statusline component renders it.
  if spec.status then
    vim.wait(timeout, function()
      local s = dhi.status_table(bufnr)
      return s ~= nil and s.model == "ready" and s.index == "ready" and s.lastLatencyMs ~= nil
    end, 20)
    out.statusTable = dhi.status_table(bufnr) or vim.NIL
    vim.o.statusline = spec.status.statusline
    out.statusline = vim.api.nvim_eval_statusline(vim.o.statusline, {}).str
  end

  if spec.codeActions then
    local range = spec.codeActions.range
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      range = range,
      context = { diagnostics = spec.codeActions.diagnostics or {} },
    }
    local started = vim.loop.hrtime()
    out.codeActions = by_client(vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, timeout))
    out.codeActionsMs = (vim.loop.hrtime() - started) / 1e6

    -- Resolve through the real UI path: vim.lsp.buf.code_action -> vim.ui.select ->
    -- codeAction/resolve -> apply the WorkspaceEdit. Observe the resolve reply.
    out.resolved = {}
    -- client.request(method, ...) in 0.7-0.10, client:request(method, ...) in 0.11+.
    local original_request = client.request
    local last_resolve
    client.request = function(...)
      local args = { ... }
      local offset = args[1] == client and 1 or 0
      if args[1 + offset] == "codeAction/resolve" then
        local handler = args[3 + offset]
        args[3 + offset] = function(err, result, ...)
          last_resolve = { err = err or vim.NIL, result = result or vim.NIL }
          if handler then return handler(err, result, ...) end
        end
      end
      return original_request(unpack(args, 1, 4 + offset))
    end
    for _, request in ipairs(spec.codeActions.resolve or {}) do
      local title, instruction = request.title, request.instruction
      local before_text = buffer_text()
      local before_tick = vim.api.nvim_buf_get_changedtick(bufnr)
      last_resolve = nil
      local ok, err, chosen = run_code_action(title, range, instruction, function() return last_resolve ~= nil end)
      if not chosen and last_resolve and last_resolve.result ~= vim.NIL then chosen = last_resolve.result end
      local entry = { title = title, offered = chosen ~= nil, ok = ok, error = err and tostring(err) or vim.NIL }
      if chosen then
        vim.wait(timeout, function() return last_resolve ~= nil end, 20)
        -- The edit is applied right after the resolve reply.
        vim.wait(2000, function() return vim.api.nvim_buf_get_changedtick(bufnr) ~= before_tick end, 20)
        entry.chosen = chosen
        entry.resolve = last_resolve or vim.NIL
        entry.bufferBefore = before_text
        entry.bufferAfter = buffer_text()
        -- Files the edit created (CreateFile + TextDocumentEdit): their buffer text.
        local result = last_resolve and last_resolve.result
        local changes = type(result) == "table" and type(result.edit) == "table" and result.edit.documentChanges or {}
        entry.created = {}
        for _, change in ipairs(changes) do
          if change.kind == "create" then
            local fname = vim.uri_to_fname(change.uri)
            local created_buf = vim.fn.bufnr(fname)
            table.insert(entry.created, {
              uri = change.uri,
              onDisk = vim.loop.fs_stat(fname) ~= nil,
              text = created_buf > 0 and table.concat(vim.api.nvim_buf_get_lines(created_buf, 0, -1, false), "\n") or vim.NIL,
            })
          end
        end
        -- Undo so the next action sees the original text.
        if vim.api.nvim_buf_get_changedtick(bufnr) ~= before_tick then
          vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, vim.split(before_text, "\n", { plain = true }))
        end
      end
      table.insert(out.resolved, entry)
    end
    client.request = original_request
  end
end

local ok, err = xpcall(main, debug.traceback)
if not ok then out.error = tostring(err) end
write_out()
vim.cmd("qa!")
