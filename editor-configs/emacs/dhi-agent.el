;;; dhi-agent.el --- Preview, apply, undo and resume dhi agent runs  -*- lexical-binding: t; -*-

;; Shared by dhi-eglot.el and dhi-lsp-mode.el, which load it from their own
;; folder.  A preview run's unified diff opens in a `diff-mode' buffer:
;;   a (or C-c C-c)  apply the edit and save the files it touched
;;   d, q (or C-c C-k)  discard it
;; Each client passes the functions that talk to its server (Eglot or lsp-mode).

;;; Code:

(require 'cl-lib)
(require 'diff-mode)

(defvar dhi-agent-last-run-id nil
  "The id of the last agent run, the default for undo and resume.")

(defvar-local dhi-agent--result nil "The `dhi.agent.run' result this preview shows.")
(defvar-local dhi-agent--apply-function nil "Applies a WorkspaceEdit in the client that ran the agent.")

(defvar dhi-agent-preview-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map "a" #'dhi-agent-preview-apply)
    (define-key map (kbd "C-c C-c") #'dhi-agent-preview-apply)
    (define-key map "d" #'dhi-agent-preview-discard)
    (define-key map "q" #'dhi-agent-preview-discard)
    (define-key map (kbd "C-c C-k") #'dhi-agent-preview-discard)
    map)
  "Keys of a dhi agent preview; they win over `diff-mode' keys.")

(define-minor-mode dhi-agent-preview-mode
  "A dhi agent run's diff: \\<dhi-agent-preview-mode-map>\\[dhi-agent-preview-apply] applies it, \\[dhi-agent-preview-discard] discards it."
  :lighter " dhi-agent")

(defun dhi-agent--get (result key)
  "KEY of RESULT, a plist or a hash table (lsp-mode may use either)."
  (if (hash-table-p result) (gethash (substring (symbol-name key) 1) result) (plist-get result key)))

(defun dhi-agent-show-preview (result apply-function)
  "Show RESULT's diff in a `diff-mode' buffer; APPLY-FUNCTION applies its edit."
  (let* ((run-id (dhi-agent--get result :runId))
         (diff (or (dhi-agent--get result :diff) ""))
         (ok (eq (dhi-agent--get result :ok) t))
         (buffer (get-buffer-create (format "*dhi agent %s*" run-id))))
    (setq dhi-agent-last-run-id run-id)
    (with-current-buffer buffer
      (let ((inhibit-read-only t))
        (erase-buffer)
        (insert (format "# dhi agent run %s (%s)\n" run-id (if ok "verified" "UNVERIFIED"))
                (format "# %s\n" (replace-regexp-in-string "\n" " " (or (dhi-agent--get result :summary) "")))
                "# a: apply   d or q: discard   M-x dhi-eglot-agent-undo (or dhi-lsp-agent-undo) reverts an applied run\n"
                (if (string-empty-p diff) "# (no change)\n" diff)))
      (diff-mode)
      (setq dhi-agent--result result
            dhi-agent--apply-function apply-function)
      (dhi-agent-preview-mode 1)
      (setq buffer-read-only t)
      ;; diff-mode gives read-only buffers its own keys (q = quit-window), above minor modes: ours go first.
      (setq-local minor-mode-overriding-map-alist
                  (cons (cons 'buffer-read-only (make-composed-keymap dhi-agent-preview-mode-map diff-mode-shared-map))
                        minor-mode-overriding-map-alist))
      (goto-char (point-min)))
    (pop-to-buffer buffer)
    buffer))

(defun dhi-agent-save-edited (edit)
  "Save the buffers of the files EDIT changed, so undo sees them on disk."
  (let ((uris nil))
    (mapc (lambda (change)
            (let ((doc (dhi-agent--get change :textDocument)))
              (when doc (push (dhi-agent--get doc :uri) uris))))
          (or (dhi-agent--get edit :documentChanges) []))
    (dolist (uri uris)
      (let ((buffer (find-buffer-visiting (url-unhex-string (string-remove-prefix "file://" uri)))))
        (when (and buffer (buffer-modified-p buffer))
          (with-current-buffer buffer (save-buffer)))))))

(defun dhi-agent-preview-apply ()
  "Apply the previewed edit, save the files and close the preview."
  (interactive)
  (let* ((result dhi-agent--result)
         (edit (dhi-agent--get result :edit))
         (buffer (current-buffer)))
    (if (string-empty-p (or (dhi-agent--get result :diff) ""))
        (message "dhi agent: nothing to apply")
      (funcall dhi-agent--apply-function edit)
      (dhi-agent-save-edited edit)
      (message "dhi agent: applied run %s" (dhi-agent--get result :runId)))
    (quit-window t (get-buffer-window buffer))
    (when (buffer-live-p buffer) (kill-buffer buffer))))

(defun dhi-agent-preview-discard ()
  "Close the preview without applying anything."
  (interactive)
  (let ((buffer (current-buffer)))
    (quit-window t (get-buffer-window buffer))
    (when (buffer-live-p buffer) (kill-buffer buffer))
    (message "dhi agent: discarded")))

(defun dhi-agent--run (execute apply instruction preview)
  "Run the dhi workspace agent with INSTRUCTION.
EXECUTE sends a workspace/executeCommand (command, argument) and returns its
result; APPLY applies a WorkspaceEdit.  The server applies a verified edit
itself; with PREVIEW the run's diff opens in a preview buffer instead."
  (let ((result (funcall execute "dhi.agent.run" (list :instruction instruction :apply (if preview :json-false t)))))
    (setq dhi-agent-last-run-id (dhi-agent--get result :runId))
    (if preview
        (dhi-agent-show-preview result apply)
      (message "dhi agent: %s" (or (dhi-agent--get result :summary) "done")))
    result))

(defun dhi-agent--undo (execute apply run-id)
  "Revert the applied agent run RUN-ID through EXECUTE and APPLY, and save the files."
  (let ((edit (funcall execute "dhi.agent.undo" (list :runId run-id))))
    (funcall apply edit)
    (dhi-agent-save-edited edit)
    (message "dhi agent: reverted run %s" run-id)
    edit))

(defun dhi-agent--resume (execute apply run-id)
  "Resume the checkpointed agent run RUN-ID through EXECUTE and preview it (APPLY applies it)."
  (dhi-agent-show-preview (funcall execute "dhi.agent.resume" (list :runId run-id)) apply))

(defun dhi-agent-read-run-id ()
  "Ask for a run id, defaulting to the last run."
  (let ((id (read-string (format "dhi agent run id (default %s): " (or dhi-agent-last-run-id "none")) nil nil dhi-agent-last-run-id)))
    (if (or (null id) (string-empty-p id)) (user-error "dhi: no agent run yet") id)))

(provide 'dhi-agent)
;;; dhi-agent.el ends here
