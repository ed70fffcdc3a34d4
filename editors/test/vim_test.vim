" Headless highlighting and indentation checks for editors/vim.
" Run by vim.sh: vim -Nu NONE -es --cmd 'let g:root=...' -S vim_test.vim
let &runtimepath = g:root . '/editors/vim,' . &runtimepath
filetype plugin indent on
syntax on
execute 'edit ' . g:root . '/editors/sample.act'

function! Check(pat, group) abort
  call cursor(1, 1)
  let pos = searchpos(a:pat, 'cW')
  if pos == [0, 0]
    call add(v:errors, 'pattern not found: ' . a:pat)
    return
  endif
  let name = synIDattr(synID(pos[0], pos[1], 1), 'name')
  if name !=# a:group
    call add(v:errors, printf('%s at %d:%d: expected %s, got %s', a:pat, pos[0], pos[1], a:group, name))
  endif
endfunction

call assert_equal('act', &filetype)
call Check('\<import\>', 'actDeclare')
call Check('\<actor\>', 'actDeclare')
call Check('\<match\>', 'actControl')
call Check('\<on\> Ping', 'actMember')
call Check('\<persistent\>', 'actModifier')
call Check('actor \zsCounter', 'actDeclName')
call Check('message \zsPing', 'actDeclName')
call Check('supervisor \zsBank', 'actDeclName')
call Check('fn \zsarea', 'actFnName')
call Check('(start: \zsint', 'actBuiltinType')
call Check('area(s: \zsShape', 'actTypeName')
call Check('1_000', 'actNumber')
call Check('0x2a', 'actNumber')
call Check('0b1010', 'actNumber')
call Check('3\.14', 'actFloat')
call Check('250ms', 'actDuration')
call Check('\<5s\>', 'actDuration')
call Check('"big', 'actString')
call Check('big: {\zsn', 'actInterp')
call Check('big: \zs{', 'actInterpDelim')
call Check('{{braces', 'actBraceLit')
call Check('\\n"', 'actEscape')
call Check('/\* block', 'actBlockComment')
call Check('still comment', 'actBlockComment')
call Check('/// sample', 'actDocComment')
call Check('sender \zs!', 'actSend')
call Check('c \zs? Balance', 'actAsk')
call Check('\<self\>', 'actSelf')
call Check('\<none\>', 'actNone')

" Indentation: flatten the sample, re-indent it, expect the original.
let original = getline(1, '$')
%s/^\s\+//e
normal! gg=G
let got = getline(1, '$')
if got != original
  for i in range(len(original))
    if get(got, i, '') !=# original[i]
      call add(v:errors, printf('indent line %d: expected [%s], got [%s]', i + 1, original[i], get(got, i, '')))
      break
    endif
  endfor
endif

if len(v:errors)
  call writefile(v:errors, '/dev/stderr')
  cquit!
endif
qall!
