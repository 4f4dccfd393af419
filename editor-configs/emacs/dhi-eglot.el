;;; dhi-eglot.el --- Use the dhi language server with Eglot  -*- lexical-binding: t; -*-

;; Works with Eglot 1.9+ (Debian's elpa-eglot on Emacs 28, built into Emacs 29+).
;;
;; Usage, in init.el:
;;
;;   (load "/path/to/dhi/editor-configs/emacs/dhi-eglot.el")
;;   (setq dhi-eglot-command '("dhi" "--stdio"))   ; the default: `dhi' from PATH
;;   ;; from a clone instead: '("node" "/path/to/dhi/dist/cli.js" "--stdio")
;;   (setq dhi-eglot-settings '(:model (:path "/path/model.gguf")))
;;   (add-hook 'python-mode-hook #'eglot-ensure)                  ; etc.
;;
;; IMPORTANT: Eglot runs ONE server per buffer.  Registering dhi for a major mode
;; here makes dhi *replace* that mode's language server (pyright, gopls, ...) in
;; Eglot: you get dhi's AI completions and code actions, but no definitions,
;; diagnostics or hover from the real server.  To keep both, either
;;   - use lsp-mode instead (see dhi-lsp-mode.el: dhi runs as an add-on client), or
;;   - keep the language's server in Eglot and run dhi beside it with
;;     dhi-eglot-companion.el (tested; no LSP multiplexer is packaged for
;;     Debian or npm), or
;;   - put an LSP multiplexer such as rassumfrassum (PyPI) in front of both
;;     servers and register the multiplexer's command in `eglot-server-programs'.
;; Set `dhi-eglot-modes' to nil before loading to register nothing and wire it
;; yourself.
;;
;; Completion: Eglot feeds `completion-at-point' (and company/corfu through
;; capf); dhi answers with one item that inserts the whole multi-line text.
;; Code actions: M-x eglot-code-actions on a region (dhi titles start "dhi: ").
;; Agent: M-x dhi-eglot-agent (C-u: preview the diff in a diff-mode buffer,
;; `a' applies, `d' discards), M-x dhi-eglot-agent-undo, M-x dhi-eglot-agent-resume.
;; Status: the mode line shows dhi's `dhi/status' notification (model and index
;; state, last latency, tokens/s, budget hits), e.g.
;; "dhi ready | index ready | 42 ms | 850.0 tok/s"; see dhi-status.el, which
;; must sit beside this file.

;;; Code:

(eval-and-compile
  (unless (require 'eglot nil t)
    ;; `emacs -Q' skips the system package directories (e.g. Debian's elpa-eglot
    ;; in /usr/share/emacs/site-lisp/elpa): activate those and try again.
    (require 'package)
    (dolist (dir '("/usr/share/emacs/site-lisp/elpa" "/usr/local/share/emacs/site-lisp/elpa"))
      (when (file-directory-p dir) (add-to-list 'package-directory-list dir t)))
    (package-initialize)
    (require 'eglot)))
(require 'cl-lib)
(require 'jsonrpc)
(load (expand-file-name "dhi-agent" (file-name-directory (or load-file-name buffer-file-name))) nil t)
(load (expand-file-name "dhi-status" (file-name-directory (or load-file-name buffer-file-name))) nil t)

(defgroup dhi nil
  "The dhi local AI language server."
  :group 'tools
  :prefix "dhi-")

(defcustom dhi-eglot-command '("dhi" "--stdio")
  "Command (program and arguments) that starts the dhi language server.
The default runs `dhi' from PATH (`npm install -g dhi-lsp').  From a clone:
\='(\"node\" \"/path/to/dhi/dist/cli.js\" \"--stdio\")."
  :type '(repeat string))

(defvar dhi-eglot--warned-missing nil
  "Non-nil once the missing-command message was shown.")

(defun dhi-eglot-command-available-p ()
  "Whether `dhi-eglot-command' can run; says so once, with `message', when not."
  (or (executable-find (car dhi-eglot-command))
      (progn
        (unless dhi-eglot--warned-missing
          (setq dhi-eglot--warned-missing t)
          (message "%s" (format "dhi: `%s' is not on PATH. Install it with `npm install -g dhi-lsp' (then run `dhi setup'), or set `dhi-eglot-command' to a clone's dist/cli.js."
                                 (car dhi-eglot-command))))
        nil)))

(defcustom dhi-eglot-settings nil
  "The `dhi' settings section as a plist, e.g. (:model (:threads 4)).
Sent as initializationOptions and as the answer to workspace/configuration
for section \"dhi\".  See the dhi contract for the keys."
  :type 'sexp)

(defcustom dhi-eglot-modes
  '((python-mode :language-id "python") (python-ts-mode :language-id "python")
    (js-mode :language-id "javascript") (js-ts-mode :language-id "javascript")
    (typescript-mode :language-id "typescript") (typescript-ts-mode :language-id "typescript")
    (tsx-ts-mode :language-id "typescriptreact")
    (rust-mode :language-id "rust") (rust-ts-mode :language-id "rust")
    (go-mode :language-id "go") (go-ts-mode :language-id "go")
    (c-mode :language-id "c") (c-ts-mode :language-id "c")
    (c++-mode :language-id "cpp") (c++-ts-mode :language-id "cpp")
    (java-mode :language-id "java") (java-ts-mode :language-id "java"))
  "Major modes (with their LSP language ids) that dhi serves in Eglot.
Each one replaces that mode's own server in Eglot; see the commentary."
  :type 'sexp)

(defclass dhi-eglot-server (eglot-lsp-server) ()
  :documentation "The dhi language server.")

(defun dhi-eglot--settings ()
  "The settings plist, or an empty JSON object."
  (or dhi-eglot-settings (make-hash-table)))

(cl-defmethod eglot-initialization-options ((_server dhi-eglot-server))
  "Send `dhi-eglot-settings' as initializationOptions."
  (dhi-eglot--settings))

;; workspace/configuration: a project's own `:dhi' section (dir-locals
;; `eglot-workspace-configuration') wins; otherwise answer `dhi-eglot-settings'.
(cl-defmethod eglot-handle-request
  ((_server dhi-eglot-server) (_method (eql workspace/configuration)) &key items)
  "Answer the \"dhi\" section from `dhi-eglot-settings' unless the project set one."
  (let ((answers (cl-call-next-method)))
    (cl-loop for item across items
             for i from 0
             when (and (null (aref answers i))
                       (equal (plist-get item :section) "dhi"))
             do (aset answers i (dhi-eglot--settings)))
    answers))

;; dhi/status: kept per server for the mode line (dhi-status.el).
(cl-defmethod eglot-handle-notification
  ((server dhi-eglot-server) (_method (eql dhi/status)) &rest params)
  "Record dhi's status PARAMS for the mode line."
  (dhi-status-update server params))

(defun dhi-eglot--current-server ()
  "The current buffer's Eglot server when it is dhi."
  (let ((server (eglot-current-server)))
    (and (cl-typep server 'dhi-eglot-server) server)))
(add-hook 'dhi-status-server-functions #'dhi-eglot--current-server)

(defun dhi-eglot-contact (&rest _)
  "The Eglot contact for dhi, read when a server starts."
  (dhi-eglot-command-available-p)
  (cons 'dhi-eglot-server (copy-sequence dhi-eglot-command)))

(when dhi-eglot-modes
  (add-to-list 'eglot-server-programs (cons dhi-eglot-modes #'dhi-eglot-contact)))

(defun dhi-eglot--command (command argument)
  "Send workspace/executeCommand COMMAND with ARGUMENT to dhi; agent runs take minutes.
Beside another server (dhi-eglot-companion.el), dhi's own connection is used."
  (jsonrpc-request (or (bound-and-true-p dhi-eglot-companion--connection)
                       (eglot-current-server)
                       (user-error "dhi: no Eglot server in this buffer"))
                   :workspace/executeCommand
                   (list :command command :arguments (vector argument))
                   :timeout 900))

(defun dhi-eglot--apply (edit)
  "Apply the WorkspaceEdit EDIT through Eglot."
  (eglot--apply-workspace-edit edit))

(defun dhi-eglot-agent (instruction &optional preview)
  "Run the dhi workspace agent with INSTRUCTION.
The server applies a verified edit through workspace/applyEdit; with PREVIEW
\(a prefix argument) the run's diff opens in a `diff-mode' buffer instead,
where `a' applies it and `d' discards it."
  (interactive "sdhi agent instruction: \nP")
  (dhi-agent--run #'dhi-eglot--command #'dhi-eglot--apply instruction preview))

(defun dhi-eglot-agent-undo (run-id)
  "Revert the applied agent run RUN-ID (default: the last run) and save the files."
  (interactive (list (dhi-agent-read-run-id)))
  (dhi-agent--undo #'dhi-eglot--command #'dhi-eglot--apply run-id))

(defun dhi-eglot-agent-resume (run-id)
  "Resume the checkpointed agent run RUN-ID (default: the last run) and preview it."
  (interactive (list (dhi-agent-read-run-id)))
  (dhi-agent--resume #'dhi-eglot--command #'dhi-eglot--apply run-id))

(defun dhi-eglot-trust ()
  "Trust the workspace folder's current .dhi.json (dhi.workspace.trust).
Its restricted settings (backend, model, sandbox, ...) then take effect.
Read the file before you trust it; a changed file needs trusting again."
  (interactive)
  (let ((result (jsonrpc-request (or (eglot-current-server) (user-error "dhi: no Eglot server in this buffer"))
                                 :workspace/executeCommand
                                 (list :command "dhi.workspace.trust" :arguments (vector (make-hash-table))))))
    (message "dhi trust: %s" (if (eq (plist-get result :trusted) t)
                                 (format "trusted %s" (plist-get result :file))
                               (plist-get result :message)))
    result))

(provide 'dhi-eglot)
;;; dhi-eglot.el ends here
