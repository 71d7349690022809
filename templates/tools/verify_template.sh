#!/usr/bin/env bash
# Render the template for several answer sets; lint and test each rendered project.
# Usage: templates/tools/verify_template.sh [WORKDIR]   (from anywhere)
#   COPIER  copier executable          (default: copier)
#   RUFF    ruff executable            (default: ruff)
#   PYTHON  a Python with torch>=2.2 where `pip install -e` may install the rendered projects
#           (default: python3)
set -u
here=$(cd "$(dirname "$0")/../default" && pwd)
work=${1:-$(mktemp -d)}
COPIER=${COPIER:-copier} RUFF=${RUFF:-ruff} PYTHON=${PYTHON:-python3}
fail=0
for spec in "demo:" "demo_mlp:-d network=mlp" "demo_noci:-d ci=none"; do
  name=${spec%%:*}; args=${spec#*:}
  dest="$work/$name"
  rm -rf "$dest"
  # shellcheck disable=SC2086
  "$COPIER" copy --quiet --trust --defaults -d project_name="$name" $args "$here" "$dest" >/dev/null \
    || { echo "$name: render failed"; fail=1; continue; }
  if grep -rIl --exclude-dir=.git -e "{{" -e "{%" "$dest"; then
    echo "$name: unrendered Jinja left"; fail=1
  fi
  (cd "$dest" && "$RUFF" check -q . && "$RUFF" format --check -q .) || { echo "$name: ruff"; fail=1; }
  "$PYTHON" -m pip install -q --no-deps -e "$dest" || { echo "$name: install"; fail=1; continue; }
  start=$(date +%s)
  (cd "$dest" && "$PYTHON" -m pytest -q -p no:cacheprovider) >"$dest.pytest.log" 2>&1 \
    || { echo "$name: pytest failed, see $dest.pytest.log"; fail=1; }
  tail -1 "$dest.pytest.log"
  echo "$name: pytest $(( $(date +%s) - start )) s"
done
exit $fail
