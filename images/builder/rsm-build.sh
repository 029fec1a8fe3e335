#!/bin/sh
# The builder of `rsm build`, run in a container made from Debian packages: compiles the
# CMake project /src/$RSM_PROJECT into one fully static executable, $RSM_TARGET, and
# leaves it stripped at /out/app for rsm to take. /build is a volume kept between builds
# of the same project, so a second build compiles only what changed. Arguments go to
# cmake's configure step.
set -eu
cmake -S "/src/$RSM_PROJECT" -B /build -G Ninja --no-warn-unused-cli -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_EXE_LINKER_FLAGS=-static -DOPENSSL_USE_STATIC_LIBS=ON "$@"
cmake --build /build --target "$RSM_TARGET"
binary=$(find /build -type f -name "$RSM_TARGET" -perm -u+x | head -n 1)
if [ -z "$binary" ]; then
  echo "rsm-build: the build made no executable named $RSM_TARGET; name the target with --target" >&2
  exit 3
fi
if readelf -d "$binary" | grep -q NEEDED; then
  echo "rsm-build: $RSM_TARGET is linked dynamically; a FROM scratch image needs it static" >&2
  exit 4
fi
mkdir -p /out
strip -o /out/app "$binary"
