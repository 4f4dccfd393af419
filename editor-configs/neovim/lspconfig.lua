-- dhi with nvim-lspconfig (any Neovim it supports) or with Neovim 0.11+'s
-- built-in vim.lsp.config / vim.lsp.enable. Pick ONE of the two blocks below
-- and put it in init.lua. dhi is an extra server: it attaches beside pyright,
-- gopls, rust-analyzer... and never replaces them.
--
-- Settings are the `dhi` section of the contract. Note for Lua: an empty table
-- `{}` is sent as a JSON array, so use vim.empty_dict() for an empty object.

local dhi_settings = {
  -- model = { path = "/path/to/model.gguf" },  -- or "hf:...", or set $DHI_MODEL
  completion = { maxTokens = 128 },
}

local filetypes = {
  "python", "javascript", "javascriptreact", "typescript", "typescriptreact",
  "rust", "go", "c", "cpp", "java", "lua", "sh", "ruby", "php",
}
local root_markers = { ".dhi.json", ".git", "package.json", "pyproject.toml", "Cargo.toml", "go.mod" }
-- `dhi` from PATH (`npm install -g dhi-lsp`). From a clone: { "node", "/path/to/dhi/dist/cli.js", "--stdio" }.
local cmd = { "dhi", "--stdio" }

if vim.fn.executable(cmd[1]) ~= 1 then
  vim.notify("dhi: the `dhi` command is not on PATH. Install it with `npm install -g dhi-lsp` (then run `dhi setup`), "
    .. "or point cmd at a clone's dist/cli.js.", vim.log.levels.WARN)
  return
end

-- dhi/status (model/index state, latency, tokens/s): with dhi.lua on the Lua path,
-- its handler keeps it and require("dhi").status() renders it for the statusline.
local has_dhi, dhi = pcall(require, "dhi")
local handlers = has_dhi and { ["dhi/status"] = dhi.on_status, ["window/showDocument"] = dhi.show_document } or nil

local function on_attach(client, bufnr)
  -- Neovim 0.12+: LSP inline completion rendered as ghost text.
  if vim.lsp.inline_completion and client.server_capabilities.inlineCompletionProvider then
    vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
    vim.keymap.set("i", "<C-l>", function()
      if not vim.lsp.inline_completion.get() then return "<C-l>" end
    end, { buffer = bufnr, expr = true, desc = "dhi: accept inline completion" })
  end
end

if vim.fn.has("nvim-0.11") == 1 and vim.lsp.config then
  ---------------------------------------------------------------------------
  -- Neovim 0.11+: no plugin needed.
  ---------------------------------------------------------------------------
  vim.lsp.config("dhi", {
    cmd = cmd,
    filetypes = filetypes,
    root_markers = root_markers,
    init_options = dhi_settings,
    settings = { dhi = dhi_settings }, -- answers workspace/configuration (section "dhi")
    handlers = handlers,
    on_attach = on_attach,
  })
  vim.lsp.enable("dhi")
else
  ---------------------------------------------------------------------------
  -- nvim-lspconfig: register dhi as a custom server, then set it up.
  ---------------------------------------------------------------------------
  local ok, lspconfig = pcall(require, "lspconfig")
  if not ok then
    vim.notify("dhi: nvim-lspconfig is not installed; use editor-configs/neovim/dhi.lua instead", vim.log.levels.WARN)
    return
  end
  local configs = require("lspconfig.configs")
  if not configs.dhi then
    configs.dhi = {
      default_config = {
        cmd = cmd,
        filetypes = filetypes,
        root_dir = lspconfig.util.root_pattern(unpack(root_markers)),
        single_file_support = true,
        init_options = dhi_settings,
        settings = { dhi = dhi_settings },
        handlers = handlers,
      },
      docs = {
        description = "dhi: local AI completions, code actions and agent edits, as a language server.",
      },
    }
  end
  lspconfig.dhi.setup({ on_attach = on_attach })
end
