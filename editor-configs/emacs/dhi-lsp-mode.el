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
;; Agent: M-x dhi-lsp-agent.

;;; Code:

(require 'cl-lib)
(require 'lsp-mode)

(defgroup dhi-lsp nil
  "The dhi local AI language server, for lsp-mode."
  :group 'lsp-mode
  :prefix "dhi-lsp-")

(defcustom dhi-lsp-command '("npx" "dhi" "--stdio")
  "Command (program and arguments) that starts the dhi language server."
  :type '(repeat string))

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
  :new-connection (lsp-stdio-connection (lambda () dhi-lsp-command))
  :activation-fn (lambda (_file-name _mode)
                   (member (lsp-buffer-language) dhi-lsp-languages))
  :server-id 'dhi
  :add-on? t
  ;; Below the language's own server, so its completions and actions come first
  ;; where lsp-mode has to pick one server.
  :priority -2
  :initialization-options (lambda () (or dhi-lsp-settings (make-hash-table)))))

(defun dhi-lsp-agent (instruction &optional preview)
  "Run the dhi workspace agent with INSTRUCTION.
The server applies the edit through workspace/applyEdit unless PREVIEW
\(a prefix argument) is non-nil."
  (interactive "sdhi agent instruction: \nP")
  (let ((workspace (cl-find-if (lambda (w) (eq (lsp--client-server-id (lsp--workspace-client w)) 'dhi))
                               (lsp-workspaces))))
    (unless workspace (user-error "dhi is not running in this buffer"))
    (with-lsp-workspace workspace
      (let* ((lsp-response-timeout 900)     ; agent runs take minutes, not seconds
             (result (lsp-request "workspace/executeCommand"
                                 (list :command "dhi.agent.run"
                                       :arguments (vector (list :instruction instruction
                                                                :apply (if preview :json-false t)))))))
        (message "dhi agent: %s" (or (lsp-get result :summary) "done"))
        result))))

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
