#!/bin/sh
# make_system_python.sh BASE_PYTHON DEST: a Python installation at DEST that is not a virtualenv
# (own prefix, own empty site-packages, the stdlib of BASE_PYTHON's installation linked in), with
# pip and requests installed, then marked externally managed (PEP 668) like a distribution's.
set -eu
base=$1 dest=$2
real=$("$base" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')
real=$(readlink -f "$real")
stdlib=$("$real" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
ver=$(basename "$stdlib")
rm -rf "$dest"
mkdir -p "$dest/bin" "$dest/lib/$ver/site-packages"
cp "$real" "$dest/bin/$ver"
ln -s "$ver" "$dest/bin/python3"
for entry in "$stdlib"/*; do
  name=$(basename "$entry")
  [ "$name" = site-packages ] || [ "$name" = EXTERNALLY-MANAGED ] || ln -s "$entry" "$dest/lib/$ver/$name"
done
py="$dest/bin/python3"
test "$("$py" -c 'import sys; print(sys.prefix == sys.base_prefix)')" = True
"$py" -m ensurepip --default-pip >/dev/null
"$py" -m pip install -q --disable-pip-version-check requests
printf '[externally-managed]\nError=This Python is managed by the distribution (test stand-in).\n' \
  > "$dest/lib/$ver/EXTERNALLY-MANAGED"
