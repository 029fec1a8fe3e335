#!/bin/sh
# The Go builder of `rsm build`, run in a container made from Debian packages: compiles
# the Go package /src/$RSM_PROJECT into one static executable (no cgo) and leaves it
# stripped at /out/app for rsm to take. Dependencies come from vendor/ (a module with
# one), from the module proxy (a module without: rsm gives this builder a network then),
# or from Debian's Go packages in /usr/share/gocode (a package without go.mod). /build is
# a volume kept between builds of the same project: Go's build cache lives there.
set -eu
export CGO_ENABLED=0 GOCACHE=/build/cache HOME=/build GOFLAGS=-trimpath
cd "/src/$RSM_PROJECT"
mkdir -p /out
if [ -f go.mod ]; then
  if [ -d vendor ]; then mode=-mod=vendor; else mode=-mod=mod; fi
  GOPATH=/build/gopath go build -v "$mode" -ldflags='-s -w' -o /out/app .
else
  GO111MODULE=off GOPATH=/usr/share/gocode go build -v -ldflags='-s -w' -o /out/app .
fi
