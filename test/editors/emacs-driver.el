;;; emacs-driver.el --- Drive dhi through real Eglot in batch mode  -*- lexical-binding: t; -*-

;; Run after the shipped config:
;;   emacs --batch -Q -l editor-configs/emacs/dhi-eglot.el -l test/editors/emacs-driver.el
;; Environment: DHI_TEST_FILE, DHI_TEST_POSITIONS ("LINE:COL,LINE:COL", 0-based;
;; the tiny test model may have nothing to say at one spot, so the first position
;; that yields an item is used), DHI_TEST_OUT,
;; DHI_REPO (the checkout), DHI_NODE (node binary), DHI_MODEL.
;; It only points `dhi-eglot-command' at the checkout's build and sets the test
;; settings; the Eglot registration is the shipped one.

;;; Code:

(require 'cl-lib)
(require 'json)

(defvar dhi-test--out nil "Plist of what the driver saw.")

(defun dhi-test--put (key value)
  (setq dhi-test--out (plist-put dhi-test--out key value)))

(defun dhi-test--write ()
  (with-temp-file (getenv "DHI_TEST_OUT")
    (insert (json-serialize dhi-test--out :null-object nil :false-object :json-false))))

(defun dhi-test--wait (predicate seconds)
  "Process events until PREDICATE is non-nil or SECONDS pass."
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (funcall predicate)))

(defun dhi-test--run ()
  (let* ((repo (getenv "DHI_REPO"))
         (file (getenv "DHI_TEST_FILE"))
         (positions (mapcar (lambda (pos) (mapcar #'string-to-number (split-string pos ":")))
                            (split-string (getenv "DHI_TEST_POSITIONS") ","))))
    (setq dhi-eglot-command (list (or (getenv "DHI_NODE") "node") (expand-file-name "dist/cli.js" repo) "--stdio"))
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
                        (reply (jsonrpc-request server :textDocument/completion params :timeout 30)))
                   (dhi-test--put :completionParams params)
                   (dhi-test--put :completionAttempt attempt)
                   (dhi-test--put :completion reply)
                   (dhi-test--put :completionMs (* 1000 (- (float-time) start)))
                   (when (> (length (if (vectorp reply) reply (plist-get reply :items))) 0)
                     (cl-return))))
        ;; 3. dhi/status in the mode line, once the completion loaded the model.
        (dhi-test--wait (lambda ()
                          (let ((status (dhi-status-current)))
                            (and (equal (plist-get status :model) "ready")
                                 (equal (plist-get status :index) "ready"))))
                        30)
        (dhi-test--put :status (dhi-status-current))
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
        (ignore-errors (eglot-shutdown server))))))

;; Batch Emacs exits on an error inside a process sentinel (e.g. "Server died"):
;; still write what was seen.
(add-hook 'kill-emacs-hook #'dhi-test--write)
(condition-case err
    (dhi-test--run)
  (error (dhi-test--put :error (format "%S" err))))
(kill-emacs 0)

;;; emacs-driver.el ends here
