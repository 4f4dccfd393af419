;;; dhi-status.el --- Show dhi's status in the mode line  -*- lexical-binding: t; -*-

;; Shared by dhi-eglot.el and dhi-lsp-mode.el, which load it from their own folder.
;;
;; dhi sends a `dhi/status' notification whenever its state changes: the model
;; (none, loading, ready, error), the index (none, building, ready, stale), the
;; last completion's latency and tokens per second, and how many requests hit
;; their response budget.  This file keeps the latest one per server and shows it
;; in `mode-line-misc-info' for buffers dhi serves, e.g.
;;   dhi ready | index ready | 42 ms | 850.0 tok/s
;; Set `dhi-status-mode-line' to nil to hide it; `dhi-status-string' gives the
;; text for a custom mode line.

;;; Code:

(require 'cl-lib)

(defcustom dhi-status-mode-line t
  "Whether buffers served by dhi show its status in the mode line."
  :type 'boolean
  :group 'tools)

(defvar dhi-status--by-server (make-hash-table :test #'eq :weakness 'key)
  "The latest dhi/status params (a plist) per server or workspace object.")

(defvar dhi-status-server-functions nil
  "Functions of no argument returning the current buffer's dhi server (or nil).
Each config (Eglot, lsp-mode) adds one.")

(defun dhi-status--get (params key)
  "KEY (a keyword) of PARAMS, a plist or a hash table (lsp-mode without plists)."
  (if (hash-table-p params)
      (gethash (substring (symbol-name key) 1) params)
    (plist-get params key)))

(defun dhi-status-update (server params)
  "Record PARAMS, a dhi/status notification from SERVER, and redraw mode lines."
  (puthash server params dhi-status--by-server)
  (force-mode-line-update t))

(defun dhi-status-current ()
  "The latest dhi/status params of the current buffer's dhi server, or nil."
  (cl-loop for fn in dhi-status-server-functions
           for server = (ignore-errors (funcall fn))
           when (and server (gethash server dhi-status--by-server))
           return it))

(defun dhi-status-format (params)
  "PARAMS (a dhi/status notification) as one short line."
  (let* ((get (lambda (key) (dhi-status--get params key)))
         (model (or (funcall get :model) "none"))
         (index (funcall get :index))
         (latency (funcall get :lastLatencyMs))
         (speed (funcall get :tokensPerSecond))
         (hits (funcall get :budgetHits))
         (message (funcall get :message))
         (parts (list (concat "dhi " model))))
    (when (and (stringp index) (not (equal index "none"))) (push (concat "index " index) parts))
    (when (numberp latency) (push (format "%d ms" latency) parts))
    (when (numberp speed) (push (format "%.1f tok/s" speed) parts))
    (when (and (numberp hits) (> hits 0)) (push (format "%d over budget" hits) parts))
    (let ((line (mapconcat #'identity (nreverse parts) " | ")))
      (if (and (equal model "error") (stringp message)) (concat line ": " message) line))))

(defun dhi-status-string ()
  "The current buffer's dhi status as a string, or nil when dhi does not serve it."
  (let ((params (dhi-status-current)))
    (and params (dhi-status-format params))))

(defun dhi-status--mode-line ()
  "The mode line construct: the status with `%' escaped, then a space."
  (let ((text (and dhi-status-mode-line (dhi-status-string))))
    (and text (concat (replace-regexp-in-string "%" "%%" text t t) " "))))

(defvar dhi-status--mode-line-entry '(:eval (dhi-status--mode-line)))
(put 'dhi-status--mode-line-entry 'risky-local-variable t)

(unless (member 'dhi-status--mode-line-entry mode-line-misc-info)
  (push 'dhi-status--mode-line-entry mode-line-misc-info))

(provide 'dhi-status)
;;; dhi-status.el ends here
