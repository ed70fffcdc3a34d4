" Vim syntax file for Act (LANGUAGE.md §2).
if exists("b:current_syntax")
  finish
endif

syn keyword actControl if else while for in match return break continue stop await within
syn keyword actDeclare actor supervisor message protocol struct enum event kernel fn extern import module const let var
syn keyword actMember init on apply persist snapshot spawn mailbox passivate supervise strategy restarts child children restart
syn keyword actModifier gpu persistent virtual as
syn keyword actSelf self sender
syn keyword actBoolean true false
syn keyword actNone none
syn keyword actBuiltinType bool i8 i16 i32 i64 u8 u16 u32 u64 int float f32 f64 string duration timer future node
syn match   actTypeName "\<\u\w*\>"
" Names at their declarations.
syn match   actDeclName "\%(\<\%(actor\|supervisor\|message\|protocol\|struct\|enum\|event\|kernel\)\s\+\)\@<=\h\w*"
syn match   actFnName "\%(\<fn\s\+\)\@<=\h\w*"

syn match   actNumber "\<\d[0-9_]*\>"
syn match   actNumber "\<0x[0-9a-fA-F_]\+\>"
syn match   actNumber "\<0b[01_]\+\>"
syn match   actFloat  "\<\d[0-9_]*\.\d[0-9_]*\%([eE][+-]\=\d\+\)\=\>"
syn match   actFloat  "\<\d[0-9_]*[eE][+-]\=\d\+\>"
syn match   actDuration "\<\d[0-9_]*\%(ns\|us\|ms\|s\|m\|h\)\>"

syn match   actOperator "[-+*/%=<>&|^~]"
syn match   actSend "!"
syn match   actAsk "?"

syn match   actEscape contained "\\[ntr\\\"0]"
syn match   actEscape contained "\\u{\x\+}"
syn match   actBraceLit contained "{{\|}}"
syn region  actInterp contained matchgroup=actInterpDelim start="{\%({\)\@!" end="}" contains=TOP
syn region  actString start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=actEscape,actBraceLit,actInterp

syn keyword actTodo contained TODO FIXME XXX NOTE
syn region  actBlockComment start="/\*" end="\*/" contains=actBlockComment,actTodo
syn match   actLineComment "//\%(/\)\@!.*$" contains=actTodo
syn match   actDocComment "///.*$" contains=actTodo

hi def link actControl Conditional
hi def link actDeclare Keyword
hi def link actMember Statement
hi def link actModifier StorageClass
hi def link actSelf Identifier
hi def link actBoolean Boolean
hi def link actNone Constant
hi def link actBuiltinType Type
hi def link actTypeName Type
hi def link actDeclName Function
hi def link actFnName Function
hi def link actNumber Number
hi def link actFloat Float
hi def link actDuration Number
hi def link actOperator Operator
hi def link actSend Operator
hi def link actAsk Operator
hi def link actString String
hi def link actEscape SpecialChar
hi def link actBraceLit SpecialChar
hi def link actInterpDelim Delimiter
hi def link actBlockComment Comment
hi def link actLineComment Comment
hi def link actDocComment SpecialComment
hi def link actTodo Todo

let b:current_syntax = "act"
