#!/usr/bin/env bash
# The GitHub Action (action.yml): `anton validate --format github` (annotations),
# and on pull requests `anton diff --base <base sha> --format markdown` as a
# sticky comment. Fails on critical findings or destructive changes (exit 2)
# and when anton cannot do its job (exit 3); warnings (exit 1) pass.
#
# Inputs (from action.yml): INPUT_PATH, INPUT_SELECT, INPUT_IGNORE,
# INPUT_KUBERNETES_VERSION, INPUT_COMMENT (true/false). GitHub's environment:
# GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
# GITHUB_REPOSITORY, GH_TOKEN (for the comment), RUNNER_TEMP. Needs git, jq, and
# gh to post the comment (all on GitHub's runners).
# ANTON_ACTION_COMMENT_FILE: write the comment body to this file instead of
# posting it (a dry run, for the tests and for trying the action locally).
set -uo pipefail

anton="${ANTON:-anton}"
work="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/anton-action.XXXXXX")"
trap 'rm -rf "$work"' EXIT
marker='<!-- anton-diff: sticky comment of the anton action -->'

path_args=()
[[ -n "${INPUT_PATH:-}" ]] && path_args=("$INPUT_PATH")
validate_args=()
[[ -n "${INPUT_SELECT:-}" ]] && validate_args+=(--select "$INPUT_SELECT")
[[ -n "${INPUT_IGNORE:-}" ]] && validate_args+=(--ignore "$INPUT_IGNORE")
[[ -n "${INPUT_KUBERNETES_VERSION:-}" ]] && validate_args+=(--kubernetes-version "$INPUT_KUBERNETES_VERSION")

output() { [[ -n "${GITHUB_OUTPUT:-}" ]] && printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; }
summary() { [[ -n "${GITHUB_STEP_SUMMARY:-}" ]] && cat >>"$GITHUB_STEP_SUMMARY"; }
# A fenced block of at most 400 lines: the step summary has a 1 MiB limit.
fenced() {
  printf '```text\n'
  head -n 400 "$1"
  (($(wc -l <"$1") > 400)) && printf '… (cut: the full report is in the log)\n'
  printf '```\n'
}

export NO_COLOR=1

# 1. Annotations on stdout, where GitHub reads workflow commands; the same
#    report as text for the step summary.
# ${a[@]+"${a[@]}"}: bash 3.2 (macOS runners) calls an empty array unbound under set -u.
validate=(validate ${path_args[@]+"${path_args[@]}"} ${validate_args[@]+"${validate_args[@]}"})
echo "::group::anton ${validate[*]}"
"$anton" "${validate[@]}" --format github --output-file "text=$work/validate.txt"
validate_status=$?
echo "::endgroup::"
output validate-exit-code "$validate_status"
{
  printf '### anton validate\n\n'
  if [[ -s "$work/validate.txt" ]]; then fenced "$work/validate.txt"; else printf 'anton could not run (exit %s); see the log.\n' "$validate_status"; fi
} | summary

# 2. On a pull request, what it does to the cluster, against the base commit.
diff_status=0
case "${GITHUB_EVENT_NAME:-}" in
  pull_request)
    base="$(jq -r '.pull_request.base.sha // empty' "${GITHUB_EVENT_PATH:?GitHub sets GITHUB_EVENT_PATH}")"
    number="$(jq -r '.pull_request.number // empty' "$GITHUB_EVENT_PATH")"
    if [[ -z "${base:-}" || -z "${number:-}" ]]; then
      echo "::error title=anton action::the pull_request event in $GITHUB_EVENT_PATH has no base.sha or number"
      exit 3
    fi
    # actions/checkout fetches one commit by default; the base may be missing.
    if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
      git fetch --quiet --no-tags --depth=1 origin "$base" || echo "::warning title=anton action::cannot fetch the base commit $base; set fetch-depth: 0 on actions/checkout"
    fi
    diff=(diff --base "$base" ${path_args[@]+"${path_args[@]}"})
    echo "::group::anton ${diff[*]}"
    "$anton" "${diff[@]}" --format markdown >"$work/diff.md"
    diff_status=$?
    cat "$work/diff.md"
    echo "::endgroup::"
    output diff-exit-code "$diff_status"
    if [[ -s "$work/diff.md" ]]; then
      { printf '%s\n' "$marker"; cat "$work/diff.md"; } >"$work/comment.md"
      summary <"$work/diff.md"
      if [[ "${INPUT_COMMENT:-true}" != "true" ]]; then
        :
      elif [[ -n "${ANTON_ACTION_COMMENT_FILE:-}" ]]; then
        cp "$work/comment.md" "$ANTON_ACTION_COMMENT_FILE"
      else
        # One comment per pull request, edited on every push (sticky).
        existing="$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$number/comments" \
          --jq ".[] | select(.user.type == \"Bot\" and (.body | startswith(\"$marker\"))) | .id" | head -n 1)"
        if [[ -n "$existing" ]]; then
          posted=$(gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing" -F "body=@$work/comment.md" --jq .html_url)
        else
          posted=$(gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$number/comments" -F "body=@$work/comment.md" --jq .html_url)
        fi
        # A pull request from a fork gets a read-only token: no comment, but the checks still count.
        [[ -n "$posted" ]] && echo "comment: $posted" || echo "::warning title=anton action::could not post the diff comment (a read-only token on a fork?); it is in the step summary"
      fi
    else
      echo "::error title=anton diff::anton diff printed nothing (exit $diff_status)"
    fi
    ;;
esac

if ((validate_status >= 2 || diff_status >= 2)); then
  why=()
  ((validate_status == 2)) && why+=("anton validate found critical problems")
  ((validate_status >= 3)) && why+=("anton validate could not check the repository (exit $validate_status)")
  ((diff_status == 2)) && why+=("anton diff found destructive changes")
  ((diff_status >= 3)) && why+=("anton diff could not compare the two states (exit $diff_status)")
  message="${why[0]}"
  for reason in "${why[@]:1}"; do message+="; $reason"; done
  echo "::error title=anton::$message"
  exit 1
fi
exit 0
