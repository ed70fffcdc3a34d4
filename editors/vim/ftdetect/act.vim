" Act source files
autocmd BufRead,BufNewFile *.act setfiletype act
