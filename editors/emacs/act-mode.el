;;; act-mode.el --- Major mode for the Act language  -*- lexical-binding: t; -*-

;; Keywords: languages
;; Version: 0.1

;;; Commentary:
;; Highlighting, indentation, comments (nested /* */, //, ///) and
;; `compilation-mode' support for actorc diagnostics (file:line:col).

;;; Code:

(require 'compile)

(defgroup act nil "The Act language." :group 'languages)

(defcustom act-indent-offset 4
  "Indentation of Act code, in columns per level."
  :type 'integer :group 'act)

(defconst act-keywords
  '("actor" "supervisor" "message" "protocol" "struct" "enum" "event" "kernel"
    "fn" "extern" "import" "module" "const" "let" "var" "init" "on" "apply"
    "persist" "snapshot" "spawn" "await" "within" "if" "else" "while" "for"
    "in" "match" "return" "break" "continue" "stop" "as" "gpu" "persistent"
    "virtual" "supervise" "strategy" "restarts" "child" "children" "restart"
    "mailbox" "passivate"))

(defconst act-builtin-types
  '("bool" "i8" "i16" "i32" "i64" "u8" "u16" "u32" "u64" "int" "float" "f32"
    "f64" "string" "duration" "timer" "future" "node"))

(defconst act-font-lock-keywords
  `(("///.*$" 0 font-lock-doc-face t)
    (,(concat "\\_<\\(?:actor\\|supervisor\\|message\\|protocol\\|struct\\|enum\\|event\\|kernel\\|fn\\)"
              "\\_>[ \t]+\\([A-Za-z_][A-Za-z0-9_]*\\)")
     1 font-lock-function-name-face)
    (,(regexp-opt act-keywords 'symbols) . font-lock-keyword-face)
    (,(regexp-opt act-builtin-types 'symbols) . font-lock-type-face)
    (,(regexp-opt '("true" "false" "none" "self" "sender") 'symbols) . font-lock-constant-face)
    ("\\_<[0-9][0-9_]*\\(?:ns\\|us\\|ms\\|s\\|m\\|h\\)\\_>" . font-lock-constant-face)
    ("\\_<\\(?:0x[0-9a-fA-F_]+\\|0b[01_]+\\|[0-9][0-9_]*\\(?:\\.[0-9][0-9_]*\\)?\\(?:[eE][+-]?[0-9]+\\)?\\)\\_>"
     . font-lock-constant-face)
    ("\\_<[A-Z][A-Za-z0-9_]*\\_>" . font-lock-type-face)
    (act--match-interpolation (0 'font-lock-variable-name-face t))
    ("\\\\\\(?:[ntr0\\\\\"]\\|u{[0-9a-fA-F]+}\\)" (0 'act-escape-face t))
    ("[!?]" . font-lock-builtin-face))
  "Highlighting for Act.")

(defface act-escape-face '((t :inherit font-lock-regexp-grouping-backslash))
  "Face for escapes in Act strings." :group 'act)

(defun act--match-interpolation (limit)
  "Find the next `{...}' interpolation inside a string before LIMIT."
  (let (found)
    (while (and (not found) (re-search-forward "{[^{}\n]*}" limit t))
      (let ((start (match-beginning 0)))
        (when (and (nth 3 (save-excursion (syntax-ppss start)))
                   (not (eq (char-before start) ?{))
                   (not (eq (char-after (1+ start)) ?{)))
          (setq found t))))
    found))

(defvar act-mode-syntax-table
  (let ((st (make-syntax-table)))
    (modify-syntax-entry ?/ ". 124b" st)
    (modify-syntax-entry ?* ". 23n" st)
    (modify-syntax-entry ?\n "> b" st)
    (modify-syntax-entry ?\" "\"" st)
    (modify-syntax-entry ?\\ "\\" st)
    (modify-syntax-entry ?_ "_" st)
    (modify-syntax-entry ?{ "(}" st)
    (modify-syntax-entry ?} "){" st)
    (modify-syntax-entry ?\[ "(]" st)
    (modify-syntax-entry ?\] ")[" st)
    (dolist (c '(?+ ?- ?% ?= ?< ?> ?& ?| ?^ ?! ?? ?~ ?@))
      (modify-syntax-entry c "." st))
    st)
  "Syntax table for `act-mode': nested block comments, line comments.")

(defun act-indent-line ()
  "Indent the current line by bracket depth."
  (interactive)
  (let* ((depth (save-excursion (car (syntax-ppss (line-beginning-position)))))
         (closers (save-excursion
                    (back-to-indentation)
                    (let ((n 0))
                      (while (memq (char-after) '(?} ?\) ?\]))
                        (setq n (1+ n))
                        (forward-char))
                      n)))
         (target (* act-indent-offset (max 0 (- depth closers))))
         (offset (- (current-column) (current-indentation))))
    (indent-line-to target)
    (when (> offset 0) (move-to-column (+ target offset)))))

;;;###autoload
(define-derived-mode act-mode prog-mode "Act"
  "Major mode for editing Act source."
  :syntax-table act-mode-syntax-table
  (setq-local comment-start "// ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "\\(?://+\\|/\\*+\\)\\s *")
  (setq-local indent-line-function #'act-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local font-lock-defaults '(act-font-lock-keywords)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.act\\'" . act-mode))

;; actorc diagnostics: file:line:col: error|warning|note: message
(add-to-list 'compilation-error-regexp-alist-alist
             '(actorc "^\\([^:\n]+\\.act\\):\\([0-9]+\\):\\([0-9]+\\): \\(?:error\\|\\(warning\\)\\|\\(note\\)\\):"
                      1 2 3 (4 . 5)))
(add-to-list 'compilation-error-regexp-alist 'actorc)

(provide 'act-mode)
;;; act-mode.el ends here
