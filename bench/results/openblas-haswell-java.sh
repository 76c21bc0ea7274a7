#!/bin/sh
export OPENBLAS_CORETYPE=Haswell
export OPENBLAS_VERBOSE=2
exec '/usr/lib/jvm/temurin-25-jdk-amd64/bin/java' "$@"
