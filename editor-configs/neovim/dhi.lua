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

local M = {}

M.defaults = {
  -- The command that starts the server. `npx dhi --stdio` works from a clone
  -- after `npm install`; a global install can use { "dhi", "--stdio" }.
  cmd = { "npx", "dhi", "--stdio" },
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
  name = "dhi",
}

-- Settings keys whose value is a JSON array; every other empty table is an object.
local ARRAY_KEYS = { exclude = true, protectedPaths = true }

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
    if k == "settings" and type(v) == "table" then
      out.settings = vim.tbl_deep_extend("force", out.settings or {}, v)
    else
      out[k] = v -- lists (cmd, filetypes, root_markers) replace, never merge by index
    end
  end
  return out
end

M.config = vim.deepcopy(M.defaults)

--- The vim.lsp client config for a root directory.
function M.client_config(root_dir, config)
  config = config or M.config
  local settings = json_object(config.settings or {})
  local capabilities = vim.lsp.protocol.make_client_capabilities()
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
      end
      if config.on_attach then config.on_attach(client, bufnr) end
    end,
  }
end

-- 0.7: client ids per root directory, so buffers of one project share a server.
local clients_by_root = {}

--- Starts (or reuses) the dhi client for a buffer and attaches it.
function M.attach(bufnr, config)
  config = config or M.config
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].buftype ~= "" then return nil end
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

--- Runs the workspace agent (workspace/executeCommand dhi.agent.run) on the
--- dhi client only. With apply, the server sends workspace/applyEdit, which
--- Neovim applies; otherwise the proposed edit is only reported.
function M.agent(instruction, apply)
  local client = M.client(0)
  if not client then
    vim.notify("dhi: not attached to this buffer", vim.log.levels.WARN)
    return
  end
  local params = {
    command = "dhi.agent.run",
    arguments = { { instruction = instruction, apply = apply ~= false } },
  }
  request(client, "workspace/executeCommand", params, function(err, result)
    if err then
      vim.notify("dhi agent: " .. (err.message or tostring(err)), vim.log.levels.ERROR)
    elseif type(result) == "table" then
      vim.notify("dhi agent: " .. tostring(result.summary or "done"), vim.log.levels.INFO)
    end
  end, vim.api.nvim_get_current_buf())
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
    desc = "dhi: run the workspace agent (! = preview only, do not apply)",
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
