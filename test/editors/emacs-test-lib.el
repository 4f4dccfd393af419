;;; emacs-test-lib.el --- Helpers shared by the batch Emacs drivers  -*- lexical-binding: t; -*-

;;; Code:

(require 'cl-lib)
(require 'json)
(require 'seq)

(defvar dhi-test--out nil "Plist of what the driver saw.")

(defun dhi-test--put (key value)
  (setq dhi-test--out (plist-put dhi-test--out key value)))

(defun dhi-test--write ()
  (with-temp-file (getenv "DHI_TEST_OUT")
    (insert (json-serialize dhi-test--out :null-object nil :false-object :json-false))))

(defun dhi-test--tail (buffer chars)
  "The last CHARS characters of BUFFER (a buffer or nil), or an empty string."
  (if (buffer-live-p buffer)
      (with-current-buffer buffer
        (buffer-substring-no-properties (max (point-min) (- (point-max) chars)) (point-max)))
    ""))

(defun dhi-test--await (start seconds)
  "Call START with a callback, process events until it is called, and return its argument.
Signal an error after SECONDS without an answer.  Asynchronous on purpose: a
synchronous request (`jsonrpc-request', `lsp-request') throws out of the client's
process filter when its reply arrives, so a message read together with that reply
\(a dhi/status notification) stays unparsed until the server writes again."
  (let ((result :dhi-test-pending))
    (funcall start (lambda (value) (setq result value)))
    (dhi-test--wait (lambda () (not (eq result :dhi-test-pending))) seconds)
    (when (eq result :dhi-test-pending) (error "dhi-test: no answer within %s s" seconds))
    (when (eq (car-safe result) :dhi-test-error) (error "dhi-test: the request failed: %S" (cdr result)))
    result))

(defun dhi-test--wait (predicate seconds)
  "Process events until PREDICATE is non-nil or SECONDS pass."
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (funcall predicate)))

(defun dhi-test--preview-state (buffer)
  "What a user sees in the agent preview BUFFER."
  (with-current-buffer buffer
    (list :name (buffer-name)
          :majorMode (symbol-name major-mode)
          :previewMode (if dhi-agent-preview-mode t :json-false)
          :readOnly (if buffer-read-only t :json-false)
          :header (vconcat (seq-take (split-string (buffer-string) "\n") 3))
          :keys (list :a (symbol-name (key-binding "a")) :d (symbol-name (key-binding "d")) :q (symbol-name (key-binding "q"))))))

(provide 'emacs-test-lib)
;;; emacs-test-lib.el ends here
