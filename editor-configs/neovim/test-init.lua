-- Minimal init for trying dhi from a clone, and for the headless editor tests:
--
--   nvim --headless -u editor-configs/neovim/test-init.lua some/file.py
--
-- It loads the shipped dhi.lua unchanged and only points it at this checkout's
-- build (`node <repo>/dist/cli.js --stdio`) and the shared tiny FIM model.
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local repo = vim.fn.fnamemodify(here, ":h:h")
package.path = here .. "/?.lua;" .. package.path

vim.o.swapfile = false
vim.o.shadafile = "NONE"
vim.cmd("filetype on")

require("dhi").setup({
  cmd = { vim.env.DHI_NODE or "node", repo .. "/dist/cli.js", "--stdio" },
  cmd_env = { DHI_MODEL = vim.env.DHI_MODEL or (repo .. "/../shared/models/dhi-fim-4m.gguf") },
  -- One thread and no response budget: generation runs to completion, deterministically.
  settings = { model = { threads = 1 }, completion = { responseBudgetMs = 0 } },
})
