#!/bin/sh
# env.sh -- the environment is read in one place: no source file but core/env.c calls getenv, and
# docs/ENVIRONMENT.md lists exactly the variables of env.c's table.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
S=${RMN_SRCDIR:-.}
others=$(cd "$S" && grep -rln 'getenv *(' src --include='*.c' --include='*.h' | grep -v '^src/core/env\.[ch]$')
[ -z "$others" ]
ok $? "only src/core/env.c reads the environment ($(echo $others))"
table=$(sed -n '/^static const rmn_env_var TABLE/,/^};/p' "$S/src/core/env.c" |
        sed -n 's/^ *{"\([A-Z_][A-Z0-9_]*\)",.*/\1/p' | sort)
doc=$(sed -n 's/^| `\([A-Z_][A-Z0-9_]*\)` |.*/\1/p' "$S/docs/ENVIRONMENT.md" | sort)
[ -n "$table" ] && [ "$table" = "$doc" ]
ok $? "docs/ENVIRONMENT.md lists the table's $(echo "$table" | wc -l) variables (table only: $(echo "$table" | grep -vxF "$doc" | tr '\n' ' '); doc only: $(echo "$doc" | grep -vxF "$table" | tr '\n' ' '))"
done_testing
