" Vim indent file for Act: one level per open { ( [ on the lines above,
" closing brackets dedent their own line.
if exists("b:did_indent")
  finish
endif
let b:did_indent = 1
setlocal indentexpr=GetActIndent(v:lnum)
setlocal indentkeys=0{,0},0),0],!^F,o,O,e
setlocal autoindent

if exists("*GetActIndent")
  finish
endif

" The line with strings and comments blanked out, so brackets inside them
" do not count.
function! s:Code(lnum) abort
  let l = getline(a:lnum)
  let l = substitute(l, '"\%(\\.\|[^"\\]\)*"', '""', 'g')
  let l = substitute(l, '//.*$', '', '')
  let l = substitute(l, '/\*.\{-}\*/', '', 'g')
  return l
endfunction

function! GetActIndent(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  if prev == 0
    return 0
  endif
  let pl = s:Code(prev)
  let ind = indent(prev)
  let opens = len(substitute(pl, '[^{([]', '', 'g'))
  let closes = len(substitute(pl, '[^})\]]', '', 'g'))
  " A line that starts with closers was already dedented for them.
  let leading = len(substitute(matchstr(pl, '^\s*[})\]]*'), '\s', '', 'g'))
  let ind += shiftwidth() * (opens - (closes - leading))
  if s:Code(a:lnum) =~ '^\s*[})\]]'
    let ind -= shiftwidth() * len(substitute(matchstr(s:Code(a:lnum), '^\s*[})\]]*'), '\s', '', 'g'))
  endif
  return ind < 0 ? 0 : ind
endfunction
