# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for vendorbanctl(8): commands, subcommands, options, and
# quarantine IDs / package names where they are cheap to list.

_vendorbanctl() {
        local cur prev words cword
        _init_completion 2>/dev/null || {
                cur=${COMP_WORDS[COMP_CWORD]}
                prev=${COMP_WORDS[COMP_CWORD - 1]}
                words=("${COMP_WORDS[@]}")
                cword=$COMP_CWORD
        }
        local commands="scan findings status policy explain quarantine apt-hook rpm-hook"
        local global="--root --policy-root --config --json --no-pager --help --version"

        case $prev in
        --root | --policy-root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --image) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --verdict) COMPREPLY=($(compgen -W "allow flag block" -- "$cur")); return ;;
        --since | --until) COMPREPLY=($(compgen -W "today yesterday now -1h -1d -7d" -- "$cur")); return ;;
        --ban)
                local bans
                bans=$(sed -n 's/^[[:space:]]*id[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' \
                        /usr/share/vendorban/bans.d/*.conf /etc/vendorban/bans.d/*.conf 2>/dev/null | sort -u)
                COMPREPLY=($(compgen -W "$bans" -- "$cur"))
                return ;;
        esac

        local i verb= sub=
        for ((i = 1; i < cword; i++)); do
                case ${words[i]} in
                --root | --policy-root | --image | --config | --since | --until | --ban | --verdict) ((i++)) ;;
                -*) ;;
                *) if [ -z "$verb" ]; then verb=${words[i]}; elif [ -z "$sub" ]; then sub=${words[i]}; fi ;;
                esac
        done

        if [[ $cur == -* ]]; then
                case $verb in
                findings) COMPREPLY=($(compgen -W "$global --since --until --ban --verdict --csv" -- "$cur")) ;;
                scan) COMPREPLY=($(compgen -W "$global --image" -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W "$global" -- "$cur")) ;;
                esac
                return
        fi
        case $verb in
        "") COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
        policy) [ -z "$sub" ] && COMPREPLY=($(compgen -W "check show" -- "$cur")) ||
                        COMPREPLY=($(compgen -f -- "$cur")) ;;
        quarantine)
                if [ -z "$sub" ]; then
                        COMPREPLY=($(compgen -W "list restore delete" -- "$cur"))
                elif [ "$sub" = restore ] || [ "$sub" = delete ]; then
                        local ids
                        ids=$(vendorbanctl --no-pager quarantine list 2>/dev/null |
                                awk 'NR > 1 && $1 ~ /^[0-9]+$/ && $2 == "quarantined" { print $1 }')
                        COMPREPLY=($(compgen -W "$ids" -- "$cur"))
                fi ;;
        explain)
                if [[ $cur == /* ]]; then
                        COMPREPLY=($(compgen -f -- "$cur"))
                else
                        COMPREPLY=($(compgen -W "$(dpkg-query -W -f '${Package}\n' 2>/dev/null)" -- "$cur"))
                fi ;;
        esac
}
complete -F _vendorbanctl vendorbanctl
