;;; dhi-eglot-companion.el --- dhi beside the language's own server under Eglot  -*- lexical-binding: t; -*-

;; Eglot manages a buffer with one server, and no LSP multiplexer is packaged for
;; Debian or npm.  This recipe keeps the language's server (pyright, gopls, ...)
;; in Eglot and runs dhi beside it through Eglot's own JSON-RPC library
;; (jsonrpc.el) and position helpers: one dhi process per project, fed the
;; buffer's text, answering a `completion-at-point' function that comes before
;; Eglot's.  The agent commands of dhi-eglot.el use this connection when the
;; mode is on.
;;
;; Usage, in init.el:
;;
;;   (setq dhi-eglot-modes nil)            ; keep Eglot's own server for each mode
;;   (load "/path/to/dhi/editor-configs/emacs/dhi-eglot.el")
;;   (load "/path/to/dhi/editor-configs/emacs/dhi-eglot-companion.el")
;;   (setq dhi-eglot-command '("dhi" "--stdio"))
;;   (add-hook 'python-mode-hook #'eglot-ensure)             ; pyright, as usual
;;   (add-hook 'python-mode-hook #'dhi-eglot-companion-mode) ; and dhi beside it
;;
;; What it gives: dhi's completion in capf (company/corfu/M-TAB) next to the
;; server's, `M-x dhi-eglot-companion-code-actions' for dhi's code actions, and
;; the agent (`dhi-eglot-agent' and friends).

;;; Code:

(require 'cl-lib)
(require 'jsonrpc)
(require 'eglot)

(defvar dhi-eglot-companion--connections (make-hash-table :test #'equal)
  "Project root -> the dhi `jsonrpc-process-connection' serving it.")

(defvar-local dhi-eglot-companion--connection nil "The dhi connection of this buffer.")
(defvar-local dhi-eglot-companion--version 0 "The LSP version of this buffer's text.")

(defun dhi-eglot-companion--root ()
  "The project root of the current buffer (Eglot's notion of it)."
  (let ((project (project-current)))
    (expand-file-name (if project (if (fboundp 'project-root) (project-root project) (car (project-roots project))) default-directory))))

(defun dhi-eglot-companion--handle-request (_conn method params)
  "Answer dhi's requests to the editor (METHOD with PARAMS)."
  (pcase method
    ('workspace/configuration (vconcat (mapcar (lambda (_) (dhi-eglot--settings)) (plist-get params :items))))
    ('workspace/applyEdit (eglot--apply-workspace-edit (plist-get params :edit)) (list :applied t))
    ('window/showDocument
     (find-file-other-window (eglot--uri-to-path (plist-get params :uri)))
     (list :success t))
    (_ nil)))

(defun dhi-eglot-companion--handle-notification (_conn method params)
  "Show dhi's messages (METHOD with PARAMS); ignore the rest."
  (when (eq method 'window/showMessage)
    (message "dhi: %s" (plist-get params :message))))

(defun dhi-eglot-companion--start (root)
  "Start dhi for ROOT and initialize it."
  (let* ((process (make-process :name "dhi-companion" :command dhi-eglot-command :connection-type 'pipe
                                :coding 'utf-8-emacs-unix :noquery t
                                :stderr (get-buffer-create "*dhi-companion stderr*")))
         (conn (make-instance 'jsonrpc-process-connection :name "dhi-companion" :process process
                              :request-dispatcher #'dhi-eglot-companion--handle-request
                              :notification-dispatcher #'dhi-eglot-companion--handle-notification)))
    (jsonrpc-request conn :initialize
                     (list :processId (emacs-pid)
                           :rootUri (eglot--path-to-uri root)
                           :workspaceFolders (vector (list :uri (eglot--path-to-uri root) :name (file-name-nondirectory (directory-file-name root))))
                           :initializationOptions (dhi-eglot--settings)
                           :capabilities (list :workspace (list :configuration t :applyEdit t)
                                               :window (list :showDocument (list :support t))
                                               :textDocument (list :completion (list :completionItem (list :snippetSupport :json-false))
                                                                   :codeAction (list :resolveSupport (list :properties ["edit"]) :dataSupport t))))
                     :timeout 60)
    (jsonrpc-notify conn :initialized (make-hash-table))
    (puthash root conn dhi-eglot-companion--connections)
    conn))

(defun dhi-eglot-companion--conn ()
  "This buffer's dhi connection, started on first use."
  (let* ((root (dhi-eglot-companion--root))
         (conn (gethash root dhi-eglot-companion--connections)))
    (unless (and conn (jsonrpc-running-p conn)) (setq conn (dhi-eglot-companion--start root)))
    conn))

(defun dhi-eglot-companion--language-id ()
  "The LSP language id of this buffer, from `dhi-eglot-modes' or the mode's name."
  (or (plist-get (cdr (assq major-mode (bound-and-true-p dhi-eglot-modes))) :language-id)
      (replace-regexp-in-string "\\(-ts\\)?-mode$" "" (symbol-name major-mode))))

(defun dhi-eglot-companion--did-change (&rest _)
  "Send the whole text (simple and always right; dhi keeps its own copy)."
  (when dhi-eglot-companion--connection
    (cl-incf dhi-eglot-companion--version)
    (jsonrpc-notify dhi-eglot-companion--connection :textDocument/didChange
                    (list :textDocument (list :uri (eglot--path-to-uri buffer-file-name) :version dhi-eglot-companion--version)
                          :contentChanges (vector (list :text (save-restriction (widen) (buffer-substring-no-properties (point-min) (point-max)))))))))

(defun dhi-eglot-companion-capf ()
  "dhi's completion at point, from the companion connection."
  (when dhi-eglot-companion--connection
    (let* ((reply (jsonrpc-request dhi-eglot-companion--connection :textDocument/completion
                                   (list :textDocument (list :uri (eglot--path-to-uri buffer-file-name))
                                         :position (eglot--pos-to-lsp-position))
                                   :timeout 30))
           (items (append (if (vectorp reply) reply (plist-get reply :items)) nil))
           (item (car items))
           (edit (plist-get item :textEdit)))
      (when edit
        (let ((start (eglot--lsp-position-to-point (plist-get (plist-get edit :range) :start)))
              (text (plist-get edit :newText)))
          (list start (point) (list (propertize text 'dhi-item item))
                :exclusive 'no
                :annotation-function (lambda (_) " dhi")
                :company-kind (lambda (_) 'text)))))))

(define-minor-mode dhi-eglot-companion-mode
  "Run dhi beside the buffer's Eglot server: its completions in capf, its actions and agent on demand."
  :lighter " dhi"
  (if dhi-eglot-companion-mode
      (progn
        (setq dhi-eglot-companion--connection (dhi-eglot-companion--conn)
              dhi-eglot-companion--version 1)
        (jsonrpc-notify dhi-eglot-companion--connection :textDocument/didOpen
                        (list :textDocument (list :uri (eglot--path-to-uri buffer-file-name)
                                                  :languageId (dhi-eglot-companion--language-id)
                                                  :version 1
                                                  :text (save-restriction (widen) (buffer-substring-no-properties (point-min) (point-max))))))
        (add-hook 'after-change-functions #'dhi-eglot-companion--did-change nil t)
        ;; Depth -50: before Eglot's own capf, which `eglot--managed-mode' adds at the default depth.
        (add-hook 'completion-at-point-functions #'dhi-eglot-companion-capf -50 t))
    (remove-hook 'after-change-functions #'dhi-eglot-companion--did-change t)
    (remove-hook 'completion-at-point-functions #'dhi-eglot-companion-capf t)
    (when (and dhi-eglot-companion--connection (jsonrpc-running-p dhi-eglot-companion--connection))
      (jsonrpc-notify dhi-eglot-companion--connection :textDocument/didClose
                      (list :textDocument (list :uri (eglot--path-to-uri buffer-file-name)))))
    (setq dhi-eglot-companion--connection nil)))

(defun dhi-eglot-companion-code-actions (beg end)
  "Pick one of dhi's code actions for the region BEG..END and apply it."
  (interactive "r")
  (let* ((conn (or dhi-eglot-companion--connection (user-error "dhi: dhi-eglot-companion-mode is off")))
         (actions (append (jsonrpc-request conn :textDocument/codeAction
                                           (list :textDocument (list :uri (eglot--path-to-uri buffer-file-name))
                                                 :range (list :start (eglot--pos-to-lsp-position beg) :end (eglot--pos-to-lsp-position end))
                                                 :context (list :diagnostics [])))
                          nil))
         (title (completing-read "dhi action: " (mapcar (lambda (a) (plist-get a :title)) actions) nil t))
         (action (jsonrpc-request conn :codeAction/resolve (cl-find title actions :key (lambda (a) (plist-get a :title)) :test #'equal) :timeout 900)))
    (when (plist-get action :edit) (eglot--apply-workspace-edit (plist-get action :edit)))
    (when-let ((command (plist-get action :command)))
      (jsonrpc-request conn :workspace/executeCommand (list :command (plist-get command :command) :arguments (plist-get command :arguments))))
    action))

(provide 'dhi-eglot-companion)
;;; dhi-eglot-companion.el ends here
