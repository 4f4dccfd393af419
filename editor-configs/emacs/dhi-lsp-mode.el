;;; dhi-lsp-mode.el --- Use dhi as an lsp-mode add-on client  -*- lexical-binding: t; -*-

;; lsp-mode runs several servers per buffer.  dhi registers with `:add-on? t', so
;; it starts BESIDE the language's own server (pyright, gopls, rust-analyzer...)
;; instead of competing with it.
;;
;; Usage, in init.el (after lsp-mode is installed):
;;
;;   (with-eval-after-load 'lsp-mode
;;     (load "/path/to/dhi/editor-configs/emacs/dhi-lsp-mode.el"))
;;   (setq dhi-lsp-settings '(:model (:path "/path/model.gguf")))
;;   (add-hook 'python-mode-hook #'lsp-deferred)
;;
;; Completion: lsp-mode's `completion-at-point' (company/corfu) shows dhi's
;; multi-line item next to the language server's items.
;; Ghost text (lsp-mode 9.0.1+): dhi answers textDocument/inlineCompletion, since
;; lsp-mode advertises it.  Turn it on with
;;   (add-hook 'lsp-mode-hook #'lsp-inline-completion-mode)   ; on idle
;; or bind `lsp-inline-completion-display' to a key; accept with
;; `lsp-inline-completion-accept' (bound in `lsp-inline-completion-active-map').
;; Code actions: M-x lsp-execute-code-action (titles start with "dhi: ").
;; Agent: M-x dhi-lsp-agent (C-u: preview the diff in a diff-mode buffer,
;; `a' applies, `d' discards), M-x dhi-lsp-agent-undo, M-x dhi-lsp-agent-resume.
;; Status: the mode line shows dhi's `dhi/status' notification (model and index
;; state, last latency, tokens/s, budget hits); see dhi-status.el, which must
;; sit beside this file.

;;; Code:

(require 'cl-lib)
(require 'lsp-mode)
(load (expand-file-name "dhi-agent" (file-name-directory (or load-file-name buffer-file-name))) nil t)
(load (expand-file-name "dhi-status" (file-name-directory (or load-file-name buffer-file-name))) nil t)

(defgroup dhi-lsp nil
  "The dhi local AI language server, for lsp-mode."
  :group 'lsp-mode
  :prefix "dhi-lsp-")

(defcustom dhi-lsp-command '("dhi" "--stdio")
  "Command (program and arguments) that starts the dhi language server.
The default runs `dhi' from PATH (`npm install -g dhi-lsp').  From a clone:
\='(\"node\" \"/path/to/dhi/dist/cli.js\" \"--stdio\")."
  :type '(repeat string))

(defvar dhi-lsp--warned-missing nil
  "Non-nil once the missing-command message was shown.")

(defun dhi-lsp--command ()
  "`dhi-lsp-command'; says once, with `message', when its program is not on PATH."
  (unless (or (executable-find (car dhi-lsp-command)) dhi-lsp--warned-missing)
    (setq dhi-lsp--warned-missing t)
    (message "%s" (format "dhi: `%s' is not on PATH. Install it with `npm install -g dhi-lsp' (then run `dhi setup'), or set `dhi-lsp-command' to a clone's dist/cli.js."
                           (car dhi-lsp-command))))
  dhi-lsp-command)

(defcustom dhi-lsp-settings nil
  "The `dhi' settings section as a plist, e.g. (:model (:threads 4)).
Sent as initializationOptions."
  :type 'sexp)

(defcustom dhi-lsp-languages
  '("python" "javascript" "javascriptreact" "typescript" "typescriptreact"
    "rust" "go" "c" "cpp" "java")
  "lsp-mode language ids that dhi serves."
  :type '(repeat string))

(lsp-register-client
 (make-lsp-client
  :new-connection (lsp-stdio-connection #'dhi-lsp--command)
  :activation-fn (lambda (_file-name _mode)
                   (member (lsp-buffer-language) dhi-lsp-languages))
  :server-id 'dhi
  :add-on? t
  ;; Below the language's own server, so its completions and actions come first
  ;; where lsp-mode has to pick one server.
  :priority -2
  :initialization-options (lambda () (or dhi-lsp-settings (make-hash-table)))
  ;; dhi/status, kept per workspace for the mode line (dhi-status.el).
  :notification-handlers (let ((handlers (make-hash-table :test #'equal)))
                           (puthash "dhi/status" (lambda (workspace params) (dhi-status-update workspace params)) handlers)
                           handlers)))

(defun dhi-lsp--workspace ()
  "The dhi workspace serving the current buffer, if any."
  (cl-find-if (lambda (w) (eq (lsp--client-server-id (lsp--workspace-client w)) 'dhi))
              (lsp-workspaces)))
(add-hook 'dhi-status-server-functions #'dhi-lsp--workspace)

(defun dhi-lsp--execute (command argument)
  "Send workspace/executeCommand COMMAND with ARGUMENT to the dhi workspace."
  (let ((workspace (dhi-lsp--workspace)))
    (unless workspace (user-error "dhi is not running in this buffer"))
    (with-lsp-workspace workspace
      (let ((lsp-response-timeout 900))     ; agent runs take minutes, not seconds
        (lsp-request "workspace/executeCommand" (list :command command :arguments (vector argument)))))))

(defun dhi-lsp--apply (edit)
  "Apply the WorkspaceEdit EDIT through lsp-mode."
  (lsp--apply-workspace-edit edit))

(defun dhi-lsp-agent (instruction &optional preview)
  "Run the dhi workspace agent with INSTRUCTION.
The server applies a verified edit through workspace/applyEdit; with PREVIEW
\(a prefix argument) the run's diff opens in a `diff-mode' buffer instead,
where `a' applies it and `d' discards it."
  (interactive "sdhi agent instruction: \nP")
  (dhi-agent--run #'dhi-lsp--execute #'dhi-lsp--apply instruction preview))

(defun dhi-lsp-agent-undo (run-id)
  "Revert the applied agent run RUN-ID (default: the last run) and save the files."
  (interactive (list (dhi-agent-read-run-id)))
  (dhi-agent--undo #'dhi-lsp--execute #'dhi-lsp--apply run-id))

(defun dhi-lsp-agent-resume (run-id)
  "Resume the checkpointed agent run RUN-ID (default: the last run) and preview it."
  (interactive (list (dhi-agent-read-run-id)))
  (dhi-agent--resume #'dhi-lsp--execute #'dhi-lsp--apply run-id))

(defun dhi-lsp-trust ()
  "Trust the workspace folder's current .dhi.json (dhi.workspace.trust).
Its restricted settings (backend, model, sandbox, ...) then take effect.
Read the file before you trust it; a changed file needs trusting again."
  (interactive)
  (let ((workspace (cl-find-if (lambda (w) (eq (lsp--client-server-id (lsp--workspace-client w)) 'dhi))
                               (lsp-workspaces))))
    (unless workspace (user-error "dhi is not running in this buffer"))
    (with-lsp-workspace workspace
      (let ((result (lsp-request "workspace/executeCommand"
                                 (list :command "dhi.workspace.trust" :arguments (vector (make-hash-table))))))
        (message "dhi trust: %s" (if (eq (lsp-get result :trusted) t)
                                     (format "trusted %s" (lsp-get result :file))
                                   (lsp-get result :message)))
        result))))

(provide 'dhi-lsp-mode)
;;; dhi-lsp-mode.el ends here
