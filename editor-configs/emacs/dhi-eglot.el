;;; dhi-eglot.el --- Use the dhi language server with Eglot  -*- lexical-binding: t; -*-

;; Works with Eglot 1.9+ (Debian's elpa-eglot on Emacs 28, built into Emacs 29+).
;;
;; Usage, in init.el:
;;
;;   (load "/path/to/dhi/editor-configs/emacs/dhi-eglot.el")
;;   (setq dhi-eglot-command '("npx" "dhi" "--stdio"))           ; the default
;;   (setq dhi-eglot-settings '(:model (:path "/path/model.gguf")))
;;   (add-hook 'python-mode-hook #'eglot-ensure)                  ; etc.
;;
;; IMPORTANT: Eglot runs ONE server per buffer.  Registering dhi for a major mode
;; here makes dhi *replace* that mode's language server (pyright, gopls, ...) in
;; Eglot: you get dhi's AI completions and code actions, but no definitions,
;; diagnostics or hover from the real server.  To keep both, either
;;   - use lsp-mode instead (see dhi-lsp-mode.el: dhi runs as an add-on client), or
;;   - put an LSP multiplexer such as rassumfrassum or lspx in front of both
;;     servers and register the multiplexer's command in `eglot-server-programs'.
;; Set `dhi-eglot-modes' to nil before loading to register nothing and wire it
;; yourself.
;;
;; Completion: Eglot feeds `completion-at-point' (and company/corfu through
;; capf); dhi answers with one item that inserts the whole multi-line text.
;; Code actions: M-x eglot-code-actions on a region (dhi titles start "dhi: ").
;; Agent: M-x dhi-eglot-agent.

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

(defgroup dhi nil
  "The dhi local AI language server."
  :group 'tools
  :prefix "dhi-")

(defcustom dhi-eglot-command '("npx" "dhi" "--stdio")
  "Command (program and arguments) that starts the dhi language server."
  :type '(repeat string))

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

(defun dhi-eglot-contact (&rest _)
  "The Eglot contact for dhi, read when a server starts."
  (cons 'dhi-eglot-server (copy-sequence dhi-eglot-command)))

(when dhi-eglot-modes
  (add-to-list 'eglot-server-programs (cons dhi-eglot-modes #'dhi-eglot-contact)))

(defun dhi-eglot-agent (instruction &optional preview)
  "Run the dhi workspace agent with INSTRUCTION.
The server applies the edit through workspace/applyEdit unless PREVIEW
\(a prefix argument) is non-nil."
  (interactive "sdhi agent instruction: \nP")
  (let ((result (jsonrpc-request (or (eglot-current-server) (user-error "dhi: no Eglot server in this buffer"))
                                 :workspace/executeCommand
                                 (list :command "dhi.agent.run"
                                       :arguments (vector (list :instruction instruction
                                                                :apply (if preview :json-false t))))
                                 :timeout 900)))
    (message "dhi agent: %s" (or (plist-get result :summary) "done"))
    result))

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
