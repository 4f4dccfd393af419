;;; emacs-companion-driver.el --- dhi beside another server under Eglot, in batch mode  -*- lexical-binding: t; -*-

;; Run: emacs --batch -Q -l test/editors/emacs-companion-driver.el
;; Follows the recipe in editor-configs/emacs/dhi-eglot-companion.el: Eglot manages the buffer with
;; another server (DHI_OTHER_SERVER, a node script), and dhi-eglot-companion-mode runs dhi beside it.
;; Environment: DHI_TEST_FILE, DHI_TEST_POSITIONS, DHI_TEST_OUT, DHI_REPO, DHI_NODE, DHI_OTHER_SERVER, DHI_TEST_AGENT.

;;; Code:

(load (expand-file-name "emacs-test-lib" (file-name-directory load-file-name)) nil t)

(defun dhi-test--companion-run ()
  (let ((repo (getenv "DHI_REPO"))
        (node (or (getenv "DHI_NODE") "node"))
        (positions (mapcar (lambda (pos) (mapcar #'string-to-number (split-string pos ":")))
                           (split-string (getenv "DHI_TEST_POSITIONS") ","))))
    ;; The recipe: keep Eglot's own server for the mode, run dhi beside it.
    (setq dhi-eglot-modes nil)
    (load (expand-file-name "editor-configs/emacs/dhi-eglot.el" repo))
    (load (expand-file-name "editor-configs/emacs/dhi-eglot-companion.el" repo))
    ;; dhi-eglot-command stays the shipped default: `dhi' from PATH.
    (setq dhi-eglot-settings '(:model (:threads 1) :completion (:responseBudgetMs 0)))
    (add-to-list 'eglot-server-programs (list 'python-mode node (getenv "DHI_OTHER_SERVER") "--stdio"))
    (setq eglot-sync-connect 30 eglot-connect-timeout 60)
    (find-file (getenv "DHI_TEST_FILE"))
    (eglot-ensure)
    (run-hooks 'post-command-hook)
    (dhi-test--wait (lambda () (eglot-current-server)) 30)
    (dhi-eglot-companion-mode 1)
    (let ((server (eglot-current-server)))
      (dhi-test--put :eglotServer (plist-get (eglot--server-info server) :name))
      (dhi-test--put :companion (if dhi-eglot-companion-mode t :json-false))
      (dhi-test--put :capfs (vconcat (mapcar (lambda (f) (if (symbolp f) (symbol-name f) "other")) completion-at-point-functions)))
      ;; Both servers answer at point: dhi through the companion capf, the other through Eglot's.
      (cl-loop for (line col) in positions
               for attempt from 1
               do (goto-char (point-min))
               (forward-line line)
               (forward-char col)
               (let ((dhi (dhi-eglot-companion-capf)))
                 (dhi-test--put :completionAttempt attempt)
                 (dhi-test--put :dhiCandidates (vconcat (mapcar #'substring-no-properties (nth 2 dhi))))
                 (when dhi (cl-return))))
      (let* ((capf (eglot-completion-at-point))
             (table (nth 2 capf)))
        (dhi-test--put :otherCandidates (vconcat (mapcar #'substring-no-properties (and table (all-completions "" table))))))
      ;; dhi's own requests reach dhi, not the other server.
      (goto-char (point-min))
      (let ((actions (jsonrpc-request dhi-eglot-companion--connection :textDocument/codeAction
                                      (list :textDocument (list :uri (eglot--path-to-uri buffer-file-name))
                                            :range (list :start (list :line 1 :character 0) :end (list :line 2 :character 0))
                                            :context (list :diagnostics [])))))
        (dhi-test--put :dhiActions (vconcat (mapcar (lambda (a) (plist-get a :title)) actions))))
      (when (getenv "DHI_TEST_AGENT")
        (dhi-eglot-agent (getenv "DHI_TEST_AGENT") t)
        (dhi-test--put :agentPreview (let ((b (get-buffer (format "*dhi agent %s*" dhi-agent-last-run-id)))) (and b (buffer-name b)))))
      (ignore-errors (eglot-shutdown server)))))

(add-hook 'kill-emacs-hook #'dhi-test--write)
(condition-case err
    (dhi-test--companion-run)
  (error (dhi-test--put :error (format "%S; dhi stderr: %s" err
                                       (let ((b (get-buffer "*dhi-companion stderr*")))
                                         (if b (with-current-buffer b (buffer-substring-no-properties (max (point-min) (- (point-max) 1500)) (point-max))) "none"))))))
(kill-emacs 0)

;;; emacs-companion-driver.el ends here
