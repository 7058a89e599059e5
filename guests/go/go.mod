module verdict/guests/go

go 1.19
