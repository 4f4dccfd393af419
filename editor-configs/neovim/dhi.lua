-- dhi for Neovim 0.7+ with no plugins.
--
-- Install: copy this file to ~/.config/nvim/lua/dhi.lua (or add this folder to
-- `package.path`), then in init.lua:
--
--   require("dhi").setup({
--     settings = { model = { path = "/path/to/model.gguf" } },  -- the `dhi` settings section
--   })
--
-- It can also be sourced (`:luafile dhi.lua`); it then registers itself as the
-- `dhi` module and, when `vim.g.dhi` holds a table, calls setup(vim.g.dhi).
--
-- dhi runs beside the language's own server: Neovim attaches any number of
-- servers to a buffer. On 0.8+ it uses vim.lsp.start(); on 0.7 it uses
-- vim.lsp.start_client() + vim.lsp.buf_attach_client() from a FileType autocmd,
-- with one client per root directory. On 0.12+ it also turns on native ghost
-- text with vim.lsp.inline_completion.enable().
--
-- Status line: dhi sends a `dhi/status` notification (model loading/ready/error,
-- index building/ready/stale, last latency, tokens per second, budget hits)
-- whenever it changes. require("dhi").status() renders the current buffer's
-- as a short string, e.g. "dhi ready | index ready | 42 ms | 850.0 tok/s":
--
--   vim.o.statusline = "%f %m%=%{v:lua.require'dhi'.status()} "
--
-- or add it to lualine: sections = { lualine_x = { require("dhi").status } }.
-- Each update also fires `User DhiStatus` and redraws the status lines.

local M = {}

M.defaults = {
  -- The command that starts the server: `dhi` from PATH (`npm install -g dhi-lsp`).
  -- From a clone instead: { "node", "/path/to/dhi/dist/cli.js", "--stdio" }.
  cmd = { "dhi", "--stdio" },
  -- Extra environment for the server process, e.g. { DHI_MODEL = "..." }.
  cmd_env = nil,
  filetypes = {
    "python", "javascript", "javascriptreact", "typescript", "typescriptreact",
    "rust", "go", "c", "cpp", "java", "lua", "sh", "ruby", "php",
  },
  -- The first directory upwards holding one of these is the workspace root.
  root_markers = {
    ".dhi.json", ".git", "package.json", "pyproject.toml", "setup.py",
    "Cargo.toml", "go.mod", "pom.xml", "build.gradle", "Makefile",
  },
  -- The `dhi` settings section (see the contract). Sent as
  -- initializationOptions and as the answer to workspace/configuration.
  settings = {},
  -- Extra client capabilities merged over Neovim's own.
  capabilities = nil,
  on_attach = nil,
  -- 0.12+: render textDocument/inlineCompletion as ghost text.
  inline_completion = true,
  -- 0.12+ ghost text keys (insert mode, buffer-local); false turns one off.
  -- accept falls through to the key itself when no suggestion is shown;
  -- next/previous cycle when dhi offers several (completion.suggestions > 1).
  keys = { accept = "<Tab>", next = "<M-]>", previous = "<M-[>" },
  name = "dhi",
}

-- Settings keys whose value is a JSON array; every other empty table is an object.
local ARRAY_KEYS = { exclude = true, protectedPaths = true, custom = true }

-- In Neovim Lua an empty table is encoded as a JSON array (`[]`), which the
-- server rejects for an object-valued setting: convert those to vim.empty_dict().
local function json_object(value, key)
  if type(value) ~= "table" or value == vim.NIL then return value end
  if next(value) == nil then
    if key and ARRAY_KEYS[key] then return value end
    return vim.empty_dict()
  end
  if (vim.islist or vim.tbl_islist)(value) then return value end
  local out = {}
  for k, v in pairs(value) do out[k] = json_object(v, k) end
  return out
end
M._json_object = json_object

local uv = vim.loop

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

--- The first ancestor of the buffer's directory holding a root marker, or the
--- buffer's own directory.
function M.root_dir(bufnr, markers)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local dir = name ~= "" and vim.fn.fnamemodify(name, ":p:h") or vim.fn.getcwd()
  local current = dir
  while current and current ~= "" do
    for _, marker in ipairs(markers or M.defaults.root_markers) do
      if exists(current .. "/" .. marker) then return current end
    end
    local parent = vim.fn.fnamemodify(current, ":h")
    if parent == current then break end
    current = parent
  end
  return dir
end

local function merge(defaults, opts)
  local out = vim.deepcopy(defaults)
  for k, v in pairs(opts or {}) do
    if (k == "settings" or k == "keys") and type(v) == "table" then
      out[k] = vim.tbl_deep_extend("force", out[k] or {}, v)
    else
      out[k] = v -- lists (cmd, filetypes, root_markers) replace, never merge by index
    end
  end
  return out
end

M.config = vim.deepcopy(M.defaults)

-- The latest dhi/status params per client id.
M._status = {}

--- The `dhi/status` handler; other setups (lspconfig.lua) can pass it in `handlers`.
function M.on_status(_, result, ctx)
  M._status[ctx.client_id] = result
  pcall(vim.cmd, "redrawstatus!")
  pcall(vim.api.nvim_exec_autocmds, "User", { pattern = "DhiStatus", modeline = false })
end

--- A dhi/status table as one short line ("" for none).
function M.format_status(s)
  if type(s) ~= "table" then return "" end
  local parts = { "dhi " .. tostring(s.model or "none") }
  if s.index and s.index ~= "none" then table.insert(parts, "index " .. s.index) end
  if type(s.lastLatencyMs) == "number" then table.insert(parts, string.format("%d ms", s.lastLatencyMs)) end
  if type(s.tokensPerSecond) == "number" then table.insert(parts, string.format("%.1f tok/s", s.tokensPerSecond)) end
  if type(s.budgetHits) == "number" and s.budgetHits > 0 then table.insert(parts, s.budgetHits .. " over budget") end
  local line = table.concat(parts, " | ")
  if s.model == "error" and type(s.message) == "string" then line = line .. ": " .. s.message end
  return line
end

--- The last dhi/status of the dhi client attached to a buffer (default: the current one), or nil.
function M.status_table(bufnr)
  local client = M.client(bufnr)
  return client and M._status[client.id] or nil
end

--- Statusline component: the current buffer's dhi status as a short string ("" when dhi is not attached).
function M.status(bufnr)
  return M.format_status(M.status_table(bufnr))
end

--- The vim.lsp client config for a root directory.
function M.client_config(root_dir, config)
  config = config or M.config
  local settings = json_object(config.settings or {})
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  -- dhi's answers open through window/showDocument (handled below on every version).
  capabilities.window = vim.tbl_deep_extend("force", capabilities.window or {}, { showDocument = { support = true } })
  if config.capabilities then
    capabilities = vim.tbl_deep_extend("force", capabilities, config.capabilities)
  end
  return {
    name = config.name,
    cmd = config.cmd,
    cmd_env = config.cmd_env,
    root_dir = root_dir,
    workspace_folders = {
      { uri = vim.uri_from_fname(root_dir), name = vim.fn.fnamemodify(root_dir, ":t") },
    },
    init_options = settings,
    -- workspace/configuration asks for section "dhi"; Neovim answers from here.
    settings = { dhi = settings },
    capabilities = capabilities,
    on_attach = function(client, bufnr)
      -- 0.7 sets no omnifunc by itself: <C-x><C-o> then asks the attached servers.
      if vim.bo[bufnr].omnifunc == "" then vim.bo[bufnr].omnifunc = "v:lua.vim.lsp.omnifunc" end
      local inline = vim.lsp.inline_completion
      if config.inline_completion and inline and inline.enable then
        pcall(inline.enable, true, { bufnr = bufnr })
        M.map_inline_keys(bufnr, config.keys)
      end
      if config.on_attach then config.on_attach(client, bufnr) end
    end,
    handlers = { ["dhi/status"] = M.on_status, ["window/showDocument"] = M.show_document },
  }
end

-- ---------------------------------------------------------------------------
-- Ghost text keys (0.12+: vim.lsp.inline_completion)

--- Maps the accept / next / previous keys for ghost text in a buffer.
function M.map_inline_keys(bufnr, keys)
  local inline = vim.lsp.inline_completion
  keys = keys or M.config.keys or {}
  if not inline then return end
  if keys.accept then
    vim.keymap.set("i", keys.accept, function()
      if not inline.get() then return vim.api.nvim_replace_termcodes(keys.accept, true, false, true) end
      return ""
    end, { buffer = bufnr, expr = true, desc = "dhi: accept the suggestion" })
  end
  if keys.next then
    vim.keymap.set("i", keys.next, function() inline.select({ count = 1 }) end, { buffer = bufnr, desc = "dhi: next suggestion" })
  end
  if keys.previous then
    vim.keymap.set("i", keys.previous, function() inline.select({ count = -1 }) end, { buffer = bufnr, desc = "dhi: previous suggestion" })
  end
end

-- ---------------------------------------------------------------------------
-- Answers in a window ("Explain selection", user actions with result "window")

--- window/showDocument: dhi opens its markdown answers in a split (any
--- Neovim version), read-only, `q` closes it. Other files open in place.
function M.show_document(_, result)
  if type(result) ~= "table" or type(result.uri) ~= "string" then return { success = false } end
  local fname = vim.uri_to_fname(result.uri)
  if result.external then return { success = false } end
  vim.cmd("split " .. vim.fn.fnameescape(fname))
  local buf = vim.api.nvim_get_current_buf()
  if fname:match("%.md$") then
    vim.bo[buf].modifiable = false
    vim.bo[buf].bufhidden = "wipe"
    vim.api.nvim_buf_set_keymap(buf, "n", "q", "<Cmd>close<CR>", { noremap = true, silent = true, desc = "dhi: close the answer" })
  end
  if result.selection then
    pcall(vim.api.nvim_win_set_cursor, 0, { result.selection.start.line + 1, result.selection.start.character })
  end
  return { success = true }
end

-- 0.7: client ids per root directory, so buffers of one project share a server.
local clients_by_root = {}

--- Starts (or reuses) the dhi client for a buffer and attaches it.
M.MISSING_MESSAGE = "dhi: the `dhi` command is not on PATH. Install it with `npm install -g dhi-lsp` "
  .. "(then run `dhi setup`), or set cmd to { \"node\", \"/path/to/dhi/dist/cli.js\", \"--stdio\" } for a clone."

local warned_missing = false

--- Whether the server command can run; says so once (vim.notify) when it cannot.
function M.command_available(config)
  config = config or M.config
  local program = config.cmd and config.cmd[1]
  if program and vim.fn.executable(program) == 1 then return true end
  if not warned_missing then
    warned_missing = true
    local message = program == "dhi" and M.MISSING_MESSAGE
      or ("dhi: cannot start the server: `" .. tostring(program) .. "` is not executable (cmd = " .. vim.inspect(config.cmd) .. ")")
    vim.notify(message, vim.log.levels.WARN)
  end
  return false
end

function M.attach(bufnr, config)
  config = config or M.config
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].buftype ~= "" then return nil end
  if not M.command_available(config) then return nil end
  local root = M.root_dir(bufnr, config.root_markers)
  local client_config = M.client_config(root, config)
  if vim.lsp.start then
    return vim.lsp.start(client_config, { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(client_config)
    if not id then return nil end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- The dhi client attached to a buffer, if any.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr }) or vim.lsp.buf_get_clients(bufnr)
  for _, client in pairs(clients) do
    if client.name == M.config.name then return client end
  end
  return nil
end

-- client.request() became client:request() in 0.11.
local function request(client, method, params, handler, bufnr)
  if vim.fn.has("nvim-0.11") == 1 then return client:request(method, params, handler, bufnr) end
  return client.request(method, params, handler, bufnr)
end

-- ---------------------------------------------------------------------------
-- The agent: :DhiAgent, :DhiAgent! (preview), :DhiAgentUndo, :DhiAgentResume

--- Applies a WorkspaceEdit and writes the files it touched, so the server's
--- undo (which compares files on disk) sees what was applied.
local function apply_and_write(client, edit)
  local uris = {}
  for _, change in ipairs(edit.documentChanges or {}) do
    if change.textDocument then
      uris[change.textDocument.uri] = true
      -- JSON null arrives as vim.NIL, which older Neovims compare as a number.
      if change.textDocument.version == vim.NIL then change.textDocument.version = nil end
    end
  end
  vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding or "utf-16")
  for uri in pairs(edit.changes or {}) do uris[uri] = true end
  for uri in pairs(uris) do
    local buf = vim.uri_to_bufnr(uri)
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].modified then
      vim.api.nvim_buf_call(buf, function() vim.cmd("silent noautocmd write") end)
    end
  end
end

--- Shows an agent result's unified diff in a scratch buffer: `a` applies the
--- edit (and writes the files), `d` or `q` discards it.
function M.open_agent_preview(client, result)
  local buf = vim.api.nvim_create_buf(false, true)
  local header = {
    "# dhi agent run " .. tostring(result.runId) .. (result.ok and " (verified)" or " (UNVERIFIED)"),
    "# " .. tostring(result.summary or ""):gsub("\n", " "),
    "# a: apply   d or q: discard   :DhiAgentUndo reverts an applied run",
  }
  local diff = type(result.diff) == "string" and result.diff or ""
  local lines = vim.list_extend(header, diff ~= "" and vim.split(diff:gsub("\n$", ""), "\n", { plain = true }) or { "# (no change)" })
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].filetype = "diff"
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = "wipe"
  pcall(vim.api.nvim_buf_set_name, buf, "dhi://agent/" .. tostring(result.runId) .. ".diff")
  vim.cmd("split")
  vim.api.nvim_win_set_buf(0, buf)
  local function close() if vim.api.nvim_buf_is_valid(buf) then vim.api.nvim_buf_delete(buf, { force = true }) end end
  local function apply()
    if diff ~= "" and type(result.edit) == "table" then
      apply_and_write(client, result.edit)
      M.last_run_id = result.runId
      vim.notify("dhi agent: applied run " .. tostring(result.runId), vim.log.levels.INFO)
    else
      vim.notify("dhi agent: nothing to apply", vim.log.levels.INFO)
    end
    close()
  end
  vim.keymap.set("n", "a", apply, { buffer = buf, desc = "dhi: apply the agent's edit" })
  vim.keymap.set("n", "d", close, { buffer = buf, desc = "dhi: discard the agent's edit" })
  vim.keymap.set("n", "q", close, { buffer = buf, desc = "dhi: discard the agent's edit" })
  return buf
end

local function agent_command(command, arguments, on_result)
  local client = M.client(0)
  if not client then
    vim.notify("dhi: not attached to this buffer", vim.log.levels.WARN)
    return
  end
  request(client, "workspace/executeCommand", { command = command, arguments = { arguments } }, function(err, result)
    if err then
      vim.notify("dhi agent: " .. (err.message or tostring(err)), vim.log.levels.ERROR)
    elseif type(result) == "table" then
      on_result(client, result)
    end
  end, vim.api.nvim_get_current_buf())
end

--- Runs the workspace agent on the dhi client only. With apply (the default),
--- the server sends workspace/applyEdit for a verified edit; with apply = false
--- (`:DhiAgent!`), the unified diff opens in a preview buffer instead.
function M.agent(instruction, apply)
  agent_command("dhi.agent.run", { instruction = instruction, apply = apply ~= false }, function(client, result)
    M.last_run_id = result.runId
    if apply == false then
      M.open_agent_preview(client, result)
    else
      vim.notify("dhi agent: " .. tostring(result.summary or "done"), vim.log.levels.INFO)
    end
  end)
end

--- Reverts a run's applied edit (default: the last run).
function M.agent_undo(run_id)
  run_id = (run_id and run_id ~= "") and run_id or M.last_run_id
  if not run_id then return vim.notify("dhi agent: no run to undo", vim.log.levels.WARN) end
  agent_command("dhi.agent.undo", { runId = run_id }, function(client, edit)
    apply_and_write(client, edit)
    vim.notify("dhi agent: reverted run " .. run_id, vim.log.levels.INFO)
  end)
end

--- Continues a checkpointed run (default: the last run) and previews its diff.
function M.agent_resume(run_id)
  run_id = (run_id and run_id ~= "") and run_id or M.last_run_id
  if not run_id then return vim.notify("dhi agent: no run to resume", vim.log.levels.WARN) end
  agent_command("dhi.agent.resume", { runId = run_id }, function(client, result)
    M.last_run_id = result.runId
    M.open_agent_preview(client, result)
  end)
end

--- Trusts the workspace folder's current .dhi.json (dhi.workspace.trust), so its
--- restricted settings (backend, model, sandbox, ...) take effect. Read the file first.
function M.trust()
  local client = M.client(0)
  if not client then
    vim.notify("dhi: not attached to this buffer", vim.log.levels.WARN)
    return
  end
  request(client, "workspace/executeCommand", { command = "dhi.workspace.trust", arguments = { {} } }, function(err, result)
    if err then
      vim.notify("dhi trust: " .. (err.message or tostring(err)), vim.log.levels.ERROR)
    elseif type(result) == "table" then
      vim.notify("dhi trust: " .. (result.trusted and ("trusted " .. tostring(result.file)) or tostring(result.message)), vim.log.levels.INFO)
    end
  end, vim.api.nvim_get_current_buf())
end

--- "dhi: Rewrite selection…" with an instruction, through the normal code action
--- path: the instruction travels in the codeAction request's context
--- (`context.instruction`, a dhi extension) and the action is resolved lazily.
--- opts.range = { start = { row, col }, ["end"] = { row, col } } (1-based rows,
--- mark-like); default: the visual selection (0.8+) or the last one (0.7).
--- Without an instruction, dhi reads a `dhi: …` comment on the line above.
function M.rewrite(instruction, opts)
  opts = opts or {}
  local context = { only = { "refactor.rewrite.dhi" }, diagnostics = {} }
  if instruction and instruction ~= "" then context.instruction = instruction end
  if vim.fn.has("nvim-0.8") == 1 then
    vim.lsp.buf.code_action({
      context = context,
      range = opts.range,
      filter = function(action) return action.kind == "refactor.rewrite.dhi" end,
      apply = true,
    })
  else
    -- 0.7: no filter/apply; the menu shows the single dhi rewrite action.
    local range = opts.range or {}
    vim.lsp.buf.range_code_action(context, range.start, range["end"])
  end
end

function M.setup(opts)
  M.config = merge(M.defaults, opts)
  local group = vim.api.nvim_create_augroup("dhi", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args) M.attach(args.buf) end,
  })
  vim.api.nvim_create_user_command("DhiAgent", function(cmd) M.agent(cmd.args, not cmd.bang) end, {
    nargs = "+",
    bang = true,
    desc = "dhi: run the workspace agent (! = preview the diff; a applies, d discards)",
  })
  vim.api.nvim_create_user_command("DhiAgentUndo", function(cmd) M.agent_undo(cmd.args) end, {
    nargs = "?",
    desc = "dhi: revert an applied agent run (default: the last)",
  })
  vim.api.nvim_create_user_command("DhiAgentResume", function(cmd) M.agent_resume(cmd.args) end, {
    nargs = "?",
    desc = "dhi: resume a checkpointed agent run (default: the last) and preview it",
  })
  vim.api.nvim_create_user_command("DhiTrust", function() M.trust() end, {
    desc = "dhi: trust this workspace's current .dhi.json (its restricted settings then apply)",
  })
  vim.api.nvim_create_user_command("DhiRewrite", function(cmd)
    local last = vim.api.nvim_buf_get_lines(0, cmd.line2 - 1, cmd.line2, false)[1] or ""
    M.rewrite(cmd.args, { range = { start = { cmd.line1, 0 }, ["end"] = { cmd.line2, math.max(#last - 1, 0) } } })
  end, {
    nargs = "*",
    range = true,
    desc = "dhi: rewrite the lines in range per the instruction (default: a `dhi:` comment above)",
  })
  -- Buffers already open when setup() runs.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(M.config.filetypes, vim.bo[bufnr].filetype) then
      M.attach(bufnr)
    end
  end
  return M
end

-- Sourced rather than required: register the module, and set up from vim.g.dhi.
if ... == nil then
  package.loaded["dhi"] = M
  if type(vim.g.dhi) == "table" then M.setup(vim.g.dhi) end
end

return M
