#!/usr/bin/env bash
# Installs the real data sets DnaNas uses by default, if missing, from Debian's packages:
#   Fashion-MNIST (package dataset-fashion-mnist) in /usr/share/datasets/fashion-mnist
#   sklearn's 8x8 digits (the CSV inside python3-sklearn, extracted, not installed) in /usr/share/datasets/digits
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "installing Fashion-MNIST: apt-get install dataset-fashion-mnist" >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi

if [ "${1:-}" = "--with-digits" ] && [ ! -f /usr/share/datasets/digits/digits.csv.gz ]; then
  echo "extracting digits.csv.gz from Debian's python3-sklearn package" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download python3-sklearn >/dev/null 2>&1 || { $SUDO apt-get update -qq && apt-get download python3-sklearn >/dev/null; })
  (cd "$tmp" && dpkg -x python3-sklearn_*.deb x)
  $SUDO mkdir -p /usr/share/datasets/digits
  $SUDO cp "$tmp/x/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz" /usr/share/datasets/digits/
  rm -rf "$tmp"
fi
