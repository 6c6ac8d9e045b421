module gort

go 1.19
