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

-- The markdown answer dhi asked Neovim to show, if a buffer holds one.
local function find_answer_buffer()
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_get_name(b):match("/answers/%x+%.md$") then return b end
  end
  return nil
end

local function find_buffer(pattern)
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_valid(b) and vim.api.nvim_buf_get_name(b):match(pattern) then return b end
  end
  return nil
end

-- :DhiAgent!, the preview buffer's keys, :DhiAgentUndo and :DhiAgentResume.
local function run_agent(client, agent_spec)
  local dhi = require("dhi")
  local result = { notifications = {} }
  local original_notify = vim.notify
  vim.notify = function(msg, level, ...)
    table.insert(result.notifications, { message = tostring(msg), level = level or vim.NIL })
    return original_notify(msg, level, ...)
  end
  local function preview_state()
    local b = find_buffer("^dhi://agent/.*%.diff$")
    if not b then return nil end
    local a = vim.fn.maparg("a", "n", false, true)
    local state = {
      name = vim.api.nvim_buf_get_name(b),
      lines = vim.api.nvim_buf_get_lines(b, 0, -1, false),
      filetype = vim.bo[b].filetype,
      shownInWindow = #vim.fn.win_findbuf(b) > 0,
    }
    vim.api.nvim_set_current_win(vim.fn.win_findbuf(b)[1])
    state.keys = {
      a = vim.fn.maparg("a", "n", false, true).desc or vim.NIL,
      d = vim.fn.maparg("d", "n", false, true).desc or vim.NIL,
      q = vim.fn.maparg("q", "n", false, true).desc or vim.NIL,
    }
    return b, state
  end
  -- 1. A real preview run (the tiny model usually proposes no change).
  vim.cmd("DhiAgent! " .. agent_spec.instruction)
  vim.wait(timeout * 3, function() return find_buffer("^dhi://agent/.*%.diff$") ~= nil end, 50)
  local b, state = preview_state()
  result.preview = state or vim.NIL
  result.runId = dhi.last_run_id or vim.NIL
  if b then
    vim.api.nvim_feedkeys("d", "x", false)
    result.discarded = not vim.api.nvim_buf_is_valid(b)
  end
  vim.api.nvim_set_current_buf(bufnr)
  -- 2. The preview's apply key on an edit (given here: the tiny model writes none).
  local uri = vim.uri_from_bufnr(bufnr)
  local path = vim.api.nvim_buf_get_name(bufnr)
  local given = {
    runId = "given-run", ok = false, summary = "a given edit", diff = agent_spec.diff,
    edit = { documentChanges = { { textDocument = { uri = uri, version = vim.NIL }, edits = { agent_spec.edit } } } },
  }
  local pb = dhi.open_agent_preview(client, given)
  vim.api.nvim_set_current_win(vim.fn.win_findbuf(pb)[1])
  local ok_apply, apply_err = pcall(vim.api.nvim_feedkeys, "a", "x", false)
  result.applyError = (not ok_apply) and tostring(apply_err) or vim.NIL
  result.appliedClosed = not vim.api.nvim_buf_is_valid(pb)
  local f = io.open(path, "r")
  result.fileAfterApply = f and f:read("*a") or vim.NIL
  if f then f:close() end
  vim.api.nvim_set_current_buf(bufnr)
  -- 3. Undo and resume of the real run, through the server.
  if result.runId ~= vim.NIL then
    local before = #result.notifications
    vim.cmd("DhiAgentUndo " .. result.runId)
    vim.wait(timeout, function() return #result.notifications > before end, 20)
    vim.cmd("DhiAgentResume " .. result.runId)
    vim.wait(timeout * 3, function() return find_buffer("^dhi://agent/.*%.diff$") ~= nil end, 50)
    local rb, resumed = preview_state()
    result.resumed = resumed or vim.NIL
    if rb then vim.api.nvim_buf_delete(rb, { force = true }) end
  end
  vim.notify = original_notify
  return result
end

-- window/showMessage, as Neovim shows it, recorded.
out.shownMessages = {}
local show_message = vim.lsp.handlers["window/showMessage"]
vim.lsp.handlers["window/showMessage"] = function(err, result, ctx, config)
  if type(result) == "table" then table.insert(out.shownMessages, { type = result.type, message = result.message }) end
  return show_message(err, result, ctx, config)
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
  out.cmd = client.config.cmd
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
        -- An answer opened in a window (window/showDocument on a markdown file in dhi's cache).
        if request.answer then
          entry.answer = vim.NIL
          local args = type(last_resolve.result) == "table" and type(last_resolve.result.command) == "table" and last_resolve.result.command.arguments[1] or {}
          entry.answerMessage = args.message or vim.NIL
          vim.wait(args.message and 3000 or timeout, function() return find_answer_buffer() ~= nil end, 20)
          local answer_buf = find_answer_buffer()
          if answer_buf then
            entry.answer = { name = vim.api.nvim_buf_get_name(answer_buf), text = table.concat(vim.api.nvim_buf_get_lines(answer_buf, 0, -1, false), "\n"), windows = #vim.fn.win_findbuf(answer_buf) }
            vim.api.nvim_buf_delete(answer_buf, { force = true })
            vim.api.nvim_set_current_buf(bufnr)
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

  if spec.agent then out.agent = run_agent(client, spec.agent) end

  -- Ghost-text keys. Neovim < 0.12 has no vim.lsp.inline_completion: a stand-in with its
  -- get()/select() records what the mapped keys call.
  if spec.keys then
    local calls = {}
    local had = vim.lsp.inline_completion
    vim.lsp.inline_completion = {
      get = function() table.insert(calls, "get") return spec.keys.suggestionShown end,
      select = function(opts) table.insert(calls, "select " .. tostring(opts and opts.count)) end,
    }
    local dhi = require("dhi")
    local function describe_maps()
      local maps = {}
      for _, lhs in ipairs(spec.keys.lhs) do
        local m = vim.fn.maparg(lhs, "i", false, true)
        maps[lhs] = m.desc or vim.NIL
        -- Press the key in insert mode, as a user would.
        vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("a" .. lhs .. "<Esc>", true, false, true), "x", false)
      end
      return maps
    end
    local saved = buffer_text()
    dhi.map_inline_keys(bufnr)
    local defaults = describe_maps()
    for _, lhs in ipairs(spec.keys.lhs) do pcall(vim.keymap.del, "i", lhs, { buffer = bufnr }) end
    dhi.map_inline_keys(bufnr, spec.keys.custom)
    out.keys = { defaults = defaults, custom = describe_maps(), calls = calls, configKeys = dhi.config.keys }
    vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, vim.split(saved, "\n", { plain = true }))
    vim.lsp.inline_completion = had
  end
end

local ok, err = xpcall(main, debug.traceback)
if not ok then out.error = tostring(err) end
write_out()
vim.cmd("qa!")
