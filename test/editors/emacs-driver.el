;;; emacs-driver.el --- Drive dhi through real Eglot in batch mode  -*- lexical-binding: t; -*-

;; Run after the shipped config:
;;   emacs --batch -Q -l editor-configs/emacs/dhi-eglot.el -l test/editors/emacs-driver.el
;; Environment: DHI_TEST_FILE, DHI_TEST_POSITIONS ("LINE:COL,LINE:COL", 0-based;
;; the tiny test model may have nothing to say at one spot, so the first position
;; that yields an item is used), DHI_TEST_OUT,
;; DHI_MODEL. The shipped config starts `dhi' from PATH (the test puts the
;; installed one, or a shim for this checkout, there); the driver only sets the
;; test settings. The Eglot registration is the shipped one.

;;; Code:

(require 'cl-lib)
(require 'json)

(load (expand-file-name "emacs-test-lib" (file-name-directory load-file-name)) nil t)

(defun dhi-test--agent (instruction source)
  "Preview a real run, discard it, apply a given edit with `a', then undo and resume the real run."
  (let ((out nil) (file (buffer-file-name)))
    ;; 1. C-u M-x dhi-eglot-agent: the real run's diff in a diff-mode buffer; `d' discards.
    (dhi-eglot-agent instruction t)
    (let* ((run-id dhi-agent-last-run-id)
           (buffer (get-buffer (format "*dhi agent %s*" run-id))))
      (setq out (plist-put out :runId run-id))
      (setq out (plist-put out :preview (and buffer (dhi-test--preview-state buffer))))
      (when buffer
        (with-current-buffer buffer (execute-kbd-macro "d"))
        (setq out (plist-put out :discarded (if (buffer-live-p buffer) :json-false t))))
      ;; 2. `a' on a given edit (the tiny model proposes none): applied and saved.
      (set-buffer source)
      (let* ((uri (concat "file://" file))
             (given (list :runId "given-run" :ok :json-false :summary "a given edit"
                          :diff "--- a/src/calc.py\n+++ b/src/calc.py\n@@ -3 +3 @@\n-        return \n+        return a + b\n"
                          :edit (list :documentChanges
                                      (vector (list :textDocument (list :uri uri :version nil)
                                                    :edits (vector (list :range (list :start (list :line 2 :character 15) :end (list :line 2 :character 15))
                                                                         :newText "a + b")))))))
             (preview (dhi-agent-show-preview given #'dhi-eglot--apply)))
        (with-current-buffer preview (execute-kbd-macro "a"))
        (setq out (plist-put out :appliedClosed (if (buffer-live-p preview) :json-false t)))
        (setq out (plist-put out :fileAfterApply (with-temp-buffer (insert-file-contents file) (buffer-string)))))
      ;; 3. Undo and resume of the real run, through the server.
      (set-buffer source)
      (setq out (plist-put out :undo (condition-case err (progn (dhi-eglot-agent-undo run-id) "ok") (error (error-message-string err)))))
      (set-buffer source)
      (dhi-eglot-agent-resume run-id)
      (let ((resumed (get-buffer (format "*dhi agent %s*" run-id))))
        (setq out (plist-put out :resumed (and resumed (dhi-test--preview-state resumed))))))
    (set-buffer source)
    out))

(defun dhi-test--run ()
  (let* ((file (getenv "DHI_TEST_FILE"))
         (positions (mapcar (lambda (pos) (mapcar #'string-to-number (split-string pos ":")))
                            (split-string (getenv "DHI_TEST_POSITIONS") ","))))
    (setq dhi-eglot-settings '(:model (:threads 1) :completion (:responseBudgetMs 0)))
    (setq eglot-sync-connect 30 eglot-connect-timeout 60)
    (find-file file)
    (dhi-test--put :majorMode (symbol-name major-mode))
    ;; What `eglot-ensure' in a mode hook does; its connect runs from post-command-hook.
    (eglot-ensure)
    (run-hooks 'post-command-hook)
    (dhi-test--wait (lambda () (eglot-current-server)) 30)
    (let ((server (eglot-current-server)))
      (dhi-test--put :connected (if (and server eglot--managed-mode) t :json-false))
      (when server
        (dhi-test--put :serverClass (symbol-name (eieio-object-class server)))
        (dhi-test--put :command (vconcat (process-command (jsonrpc--process server))))
        (dhi-test--put :serverInfo (eglot--server-info server))
        (dhi-test--put :capabilities (eglot--capabilities server))
        ;; 1. The raw LSP request, as Eglot builds it at point.
        (cl-loop for (line col) in positions
                 for attempt from 1
                 do (goto-char (point-min))
                 (forward-line line)
                 (forward-char col)
                 (let* ((start (float-time))
                        (params (eglot--CompletionParams))
                        (reply (dhi-test--await
                                (lambda (done)
                                  (jsonrpc-async-request server :textDocument/completion params
                                                         :success-fn done
                                                         :error-fn (lambda (e) (funcall done (cons :dhi-test-error e)))
                                                         :timeout 30
                                                         :timeout-fn (lambda () (funcall done (cons :dhi-test-error "timeout")))))
                                31)))
                   (dhi-test--put :completionParams params)
                   (dhi-test--put :completionAttempt attempt)
                   (dhi-test--put :completion reply)
                   (dhi-test--put :completionMs (* 1000 (- (float-time) start)))
                   (when (> (length (if (vectorp reply) reply (plist-get reply :items))) 0)
                     (cl-return))))
        ;; 3. dhi/status in the mode line, once the completion loaded the model. The server
        ;; coalesces status over 50 ms, so the latency can arrive just after the completion.
        (dhi-test--wait (lambda ()
                          (let ((status (dhi-status-current)))
                            (and (equal (plist-get status :model) "ready")
                                 (equal (plist-get status :index) "ready")
                                 (plist-get status :lastLatencyMs))))
                        30)
        (dhi-test--put :status (dhi-status-current))
        ;; The server's log (DHI_LOG_LEVEL=debug): each completion's latency record, for failure messages.
        (dhi-test--put :serverLog (dhi-test--tail (ignore-errors (jsonrpc-stderr-buffer server)) 6000))
        ;; Batch Emacs has no frame to render `format-mode-line' on (it returns ""), so
        ;; evaluate the :eval entries that `mode-line-misc-info' holds, as redisplay would.
        (dhi-test--put :modeLine
                       (mapconcat (lambda (entry)
                                    (let ((value (if (and (symbolp entry) (boundp entry)) (symbol-value entry) entry)))
                                      (or (and (eq (car-safe value) :eval) (eval (cadr value) t)) "")))
                                  mode-line-misc-info ""))
        ;; 2. Through completion-at-point, the path company/corfu/M-TAB use.
        (let* ((capf (eglot-completion-at-point))
               (table (nth 2 capf))
               (candidates (and table (all-completions "" table))))
          (dhi-test--put :capfCandidates (vconcat (mapcar #'substring-no-properties candidates)))
          (dhi-test--put :capfDetail
                         (and candidates
                              (plist-get (get-text-property 0 'eglot--lsp-item (car candidates)) :detail))))
        (when (getenv "DHI_TEST_AGENT")
          (dhi-test--put :agent (dhi-test--agent (getenv "DHI_TEST_AGENT") (current-buffer))))
        (ignore-errors (eglot-shutdown server))))))

;; Batch Emacs exits on an error inside a process sentinel (e.g. "Server died"):
;; still write what was seen.
(add-hook 'kill-emacs-hook #'dhi-test--write)
(condition-case err
    (dhi-test--run)
  (error (dhi-test--put :error (format "%S" err))))
(kill-emacs 0)

;;; emacs-driver.el ends here
