module llgi/benchalloc

go 1.26
