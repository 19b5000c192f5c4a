module go.slogx.dev

go 1.26

require (
	github.com/klauspost/compress v1.20.3
	github.com/valyala/fasthttp v1.74.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/molecule-man/go-brrr v1.0.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
)
