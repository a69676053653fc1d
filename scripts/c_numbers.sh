# Sourced by the scripts (script_lib.sh), the test runner and test/check.sh: numbers in the C form (0.01, not 0,01)
# whatever the user's locale. In a decimal-comma one (LANG=de_DE.UTF-8 and the like) awk printed run_pretrain.sh's
# final LR fraction as 0,01, which the trainer refuses, mawk read 1.5 as 1, and od, sort -g and printf read and write
# numbers with commas too. LC_ALL, which would outrank LC_NUMERIC, is handed on to the categories the scripts' tools
# use, so messages and characters stay as the user set them.
use_c_numbers() {
    if [ -n "${LC_ALL:-}" ]; then
        export LC_CTYPE="$LC_ALL" LC_COLLATE="$LC_ALL" LC_MESSAGES="$LC_ALL" LC_TIME="$LC_ALL"
        unset LC_ALL
    fi
    export LC_NUMERIC=C
}
use_c_numbers
