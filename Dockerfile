# Multi-stage build: a static, pure-Go binary (modernc SQLite needs no cgo)
# on a distroless base, running as a non-root user.
#   docker build -t streamfront .
#   docker run -p 4580:4580 -p 1935:1935 -v sfdata:/data -v $PWD/media:/media streamfront
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.Version=${VERSION}" -o /out/streamfront ./cmd/streamfront

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/streamfront /streamfront
# uid 65532 (nonroot) owns the state directory.
VOLUME ["/data"]
EXPOSE 4580 1935
USER nonroot:nonroot
ENTRYPOINT ["/streamfront"]
# A container is reached from outside its loopback, so open mode must be
# asked for explicitly; mount an accounts file and use --accounts for real use.
CMD ["serve", "--listen", "0.0.0.0:4580", "--data-dir", "/data", "--rtmp-listen", "0.0.0.0:1935", "--origin-dir", "/media", "--insecure-open"]
