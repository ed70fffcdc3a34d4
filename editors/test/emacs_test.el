;;; emacs_test.el --- ERT tests for act-mode  -*- lexical-binding: t; -*-
(require 'ert)
(require 'act-mode)

(defvar act-test-sample
  (expand-file-name "../sample.act" (file-name-directory (or load-file-name buffer-file-name))))

(defun act-test-face (regexp &optional group)
  "Face at the start of the first match of REGEXP (its GROUP)."
  (goto-char (point-min))
  (unless (re-search-forward regexp nil t) (error "not found: %s" regexp))
  (let ((f (get-text-property (match-beginning (or group 0)) 'face)))
    (if (listp f) (car f) f)))

(defmacro act-with-sample (&rest body)
  `(with-temp-buffer
     (insert-file-contents act-test-sample)
     (act-mode)
     (font-lock-ensure)
     ,@body))

(ert-deftest act-mode-keywords-and-types ()
  (act-with-sample
   (should (eq (act-test-face "\\_<import\\_>") 'font-lock-keyword-face))
   (should (eq (act-test-face "\\_<match\\_>") 'font-lock-keyword-face))
   (should (eq (act-test-face "(start: \\(int\\)" 1) 'font-lock-type-face))
   (should (eq (act-test-face "area(s: \\(Shape\\)" 1) 'font-lock-type-face))
   (should (eq (act-test-face "\\_<self\\_>") 'font-lock-constant-face))))

(ert-deftest act-mode-declared-names ()
  (act-with-sample
   (should (eq (act-test-face "actor \\(Counter\\)" 1) 'font-lock-function-name-face))
   (should (eq (act-test-face "message \\(Ping\\)" 1) 'font-lock-function-name-face))
   (should (eq (act-test-face "fn \\(area\\)" 1) 'font-lock-function-name-face))))

(ert-deftest act-mode-literals ()
  (act-with-sample
   (should (eq (act-test-face "1_000") 'font-lock-constant-face))
   (should (eq (act-test-face "0x2a") 'font-lock-constant-face))
   (should (eq (act-test-face "250ms") 'font-lock-constant-face))
   (should (eq (act-test-face "\"big") 'font-lock-string-face))
   (should (eq (act-test-face "big: \\({n}\\)" 1) 'font-lock-variable-name-face))
   (should (eq (act-test-face "\\\\n\"") 'act-escape-face))
   (should (eq (act-test-face "{{braces") 'font-lock-string-face))))

(ert-deftest act-mode-comments ()
  (act-with-sample
   (should (eq (act-test-face "/\\* \\(block\\)" 1) 'font-lock-comment-face))
   (should (eq (act-test-face "still comment") 'font-lock-comment-face))
   (should (eq (act-test-face "/// sample") 'font-lock-doc-face))
   ;; after the nested comment closes, code again
   (should (eq (act-test-face "^const LIMIT") 'font-lock-keyword-face))))

(ert-deftest act-mode-operators ()
  (act-with-sample
   (should (eq (act-test-face "sender \\(!\\)" 1) 'font-lock-builtin-face))
   (should (eq (act-test-face "c \\(\\?\\) Balance" 1) 'font-lock-builtin-face))))

(ert-deftest act-mode-indentation ()
  (act-with-sample
   (let ((original (buffer-string)))
     (goto-char (point-min))
     (while (re-search-forward "^[ \t]+" nil t) (replace-match ""))
     (indent-region (point-min) (point-max))
     (should (string= (buffer-string) original)))))

(ert-deftest act-mode-compilation-regexp ()
  (let ((re (nth 1 (assq 'actorc compilation-error-regexp-alist-alist)))
        (line "prog.act:7:14: error: actor `Ponger` does not handle message `Pong`"))
    (should (memq 'actorc compilation-error-regexp-alist))
    (should (string-match re line))
    (should (equal (match-string 1 line) "prog.act"))
    (should (equal (match-string 2 line) "7"))
    (should (equal (match-string 3 line) "14"))
    (should (string-match re "a/b.act:1:2: warning: unused"))
    (should (match-beginning 4))))
