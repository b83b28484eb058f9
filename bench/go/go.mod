module llgi/bench

go 1.26
