;;; emacs-lsp-driver.el --- Drive dhi through real lsp-mode (Debian's elpa-lsp-mode) in batch mode  -*- lexical-binding: t; -*-

;; Run: emacs --batch -Q -l test/editors/emacs-lsp-driver.el
;; It activates the system's ELPA packages (lsp-mode and its dependencies), loads
;; the shipped editor-configs/emacs/dhi-lsp-mode.el, opens DHI_TEST_FILE, starts
;; lsp-mode (dhi is an add-on client: no other Python server is installed here),
;; asks for a completion and previews an agent run.
;; Environment: DHI_TEST_FILE, DHI_TEST_POSITIONS, DHI_TEST_OUT, DHI_REPO, DHI_NODE, DHI_TEST_AGENT.

;;; Code:

(load (expand-file-name "emacs-test-lib" (file-name-directory load-file-name)) nil t)

(defun dhi-test--lsp-run ()
  (require 'package)
  (dolist (dir '("/usr/share/emacs/site-lisp/elpa" "/usr/local/share/emacs/site-lisp/elpa"))
    (when (file-directory-p dir) (add-to-list 'package-directory-list dir t)))
  (package-initialize)
  (require 'lsp-mode)
  (dhi-test--put :lspModeVersion (package-version-join (package-desc-version (cadr (assq 'lsp-mode package-alist)))))
  (let ((repo (getenv "DHI_REPO"))
        (file (getenv "DHI_TEST_FILE"))
        (positions (mapcar (lambda (pos) (mapcar #'string-to-number (split-string pos ":")))
                           (split-string (getenv "DHI_TEST_POSITIONS") ","))))
    (load (expand-file-name "editor-configs/emacs/dhi-lsp-mode.el" repo))
    ;; The shipped default: `dhi' from PATH (the installed package in CI, a shim to this clone elsewhere).
    (setq dhi-lsp-settings '(:model (:threads 1) :completion (:responseBudgetMs 0)))
    ;; Batch-friendly lsp-mode: no prompts, no file watchers, a throwaway session file.
    (setq lsp-auto-guess-root t lsp-enable-file-watchers nil lsp-restart 'ignore lsp-keep-workspace-alive nil
          lsp-session-file (expand-file-name "lsp-session" (getenv "HOME"))
          lsp-enable-suggest-server-download nil lsp-response-timeout 60)
    (find-file file)
    (dhi-test--put :majorMode (symbol-name major-mode))
    (lsp)
    (dhi-test--wait (lambda () (cl-some (lambda (w) (eq (lsp--workspace-status w) 'initialized)) (lsp-workspaces))) 60)
    (let ((workspace (car (lsp-workspaces))))
      (dhi-test--put :connected (if workspace t :json-false))
      (when workspace
        (dhi-test--put :serverIds (vconcat (mapcar (lambda (w) (symbol-name (lsp--client-server-id (lsp--workspace-client w)))) (lsp-workspaces))))
        (cl-loop for (line col) in positions
                 for attempt from 1
                 do (goto-char (point-min))
                 (forward-line line)
                 (forward-char col)
                 (let* ((params (lsp--text-document-position-params))
                        (reply (dhi-test--await
                                (lambda (done)
                                  (lsp-request-async "textDocument/completion" params done
                                                     :error-handler (lambda (e) (funcall done (cons :dhi-test-error e)))))
                                31))
                        (items (if (hash-table-p reply) (gethash "items" reply) reply)))
                   (dhi-test--put :completionAttempt attempt)
                   (dhi-test--put :completionItems
                                  (vconcat (mapcar (lambda (item) (list :detail (gethash "detail" item) :newText (gethash "newText" (gethash "textEdit" item))))
                                                   (append items nil))))
                   (when (> (length items) 0) (cl-return))))
        ;; dhi/status through lsp-mode's notification handler (params arrive as a hash table);
        ;; the latency comes with the status coalesced just after the completion.
        (dhi-test--wait (lambda ()
                          (let ((status (dhi-status-current)))
                            (and status (equal (dhi-status--get status :model) "ready")
                                 (dhi-status--get status :lastLatencyMs))))
                        30)
        (dhi-test--put :statusLine (or (dhi-status-string) :json-false))
        ;; The server's log (DHI_LOG_LEVEL=debug): each completion's latency record, for failure messages.
        (dhi-test--put :serverLog (dhi-test--tail (cl-find-if (lambda (b) (string-match-p "::stderr\\*\\'" (buffer-name b))) (buffer-list)) 6000))
        (when (getenv "DHI_TEST_AGENT")
          (let ((source (current-buffer)))
            (dhi-lsp-agent (getenv "DHI_TEST_AGENT") t)
            (let* ((run-id dhi-agent-last-run-id)
                   (buffer (get-buffer (format "*dhi agent %s*" run-id))))
              (dhi-test--put :runId run-id)
              (dhi-test--put :preview (and buffer (dhi-test--preview-state buffer)))
              (when buffer
                (with-current-buffer buffer (execute-kbd-macro "d"))
                (dhi-test--put :discarded (if (buffer-live-p buffer) :json-false t)))
              (set-buffer source)
              (dhi-lsp-agent-resume run-id)
              (let ((resumed (get-buffer (format "*dhi agent %s*" run-id))))
                (dhi-test--put :resumed (and resumed (dhi-test--preview-state resumed)))))))
        (set-buffer (find-buffer-visiting file))
        (ignore-errors (lsp-workspace-shutdown workspace))))))

(add-hook 'kill-emacs-hook #'dhi-test--write)
(condition-case err
    (dhi-test--lsp-run)
  (error (dhi-test--put :error (format "%S" err))))
(kill-emacs 0)

;;; emacs-lsp-driver.el ends here
