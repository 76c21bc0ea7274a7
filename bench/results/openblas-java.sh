#!/bin/sh
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export OPENBLAS_VERBOSE=2
exec '/usr/lib/jvm/temurin-25-jdk-amd64/bin/java' "$@"
