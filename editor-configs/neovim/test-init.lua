-- Minimal init for trying dhi, and for the headless editor tests:
--
--   DHI_MODEL=/path/to/model.gguf nvim --headless -u editor-configs/neovim/test-init.lua some/file.py
--
-- It loads the shipped dhi.lua unchanged, with its default command (`dhi` from PATH),
-- and only adds settings that make generation deterministic. The model comes from
-- the environment (DHI_MODEL) or the one `dhi setup` pulled.
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
package.path = here .. "/?.lua;" .. package.path

vim.o.swapfile = false
vim.o.shadafile = "NONE"
vim.cmd("filetype on")

require("dhi").setup({
  -- One thread and no response budget: generation runs to completion, deterministically.
  settings = { model = { threads = 1 }, completion = { responseBudgetMs = 0 } },
})
