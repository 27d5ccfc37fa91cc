"""``zhtj completion bash|zsh``: a completion script for the shell, written from the
command's own parser (subcommands, their options and fixed choices), so it never lags
behind the commands."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("completion", help="输出 bash 或 zsh 的命令行补全脚本")
    p.add_argument("shell", choices=("bash", "zsh"), help="bash 或 zsh")
    p.set_defaults(func=cmd_completion)


def _spec(parser: argparse.ArgumentParser) -> tuple[list[str], dict[str, list[str]], dict[str, list[str]]]:
    """(top-level options, options per subcommand, fixed values per "subcommand option")."""
    top = [o for a in parser._actions for o in a.option_strings]
    subs: dict[str, list[str]] = {}
    values: dict[str, list[str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sp in action.choices.items():
                subs[name] = [o for a in sp._actions for o in a.option_strings]
                for a in sp._actions:
                    if a.choices and not a.option_strings:
                        values[f"{name} "] = [str(c) for c in a.choices]
                    elif a.choices:
                        for o in a.option_strings:
                            values[f"{name} {o}"] = [str(c) for c in a.choices]
    return top, subs, values


def bash_script(parser: argparse.ArgumentParser) -> str:
    top, subs, values = _spec(parser)
    cases = "\n".join(f'        {name}) opts="{" ".join(opts)}" ;;' for name, opts in subs.items())
    value_cases = "\n".join(f'        "{key}") COMPREPLY=($(compgen -W "{" ".join(v)}" -- "$cur")); return ;;'
                            for key, v in values.items() if not key.endswith(" "))
    return f"""# zhtj 命令行补全（bash）。安装：zhtj completion bash > ~/.local/share/bash-completion/completions/zhtj
_zhtj() {{
    local cur prev cmd i
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    cmd=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            --db) ((i++)) ;;
            -*) ;;
            *) cmd="${{COMP_WORDS[i]}}"; break ;;
        esac
    done
    if [[ -z "$cmd" ]]; then
        if [[ "$prev" == "--db" ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
        COMPREPLY=($(compgen -W "{" ".join(top)} {" ".join(subs)}" -- "$cur"))
        return
    fi
    case "$cmd $prev" in
{value_cases}
    esac
    if [[ "$cur" != -* && "$prev" == "$cmd" ]]; then
        case "$cmd " in
{chr(10).join(f'            "{k}") COMPREPLY=($(compgen -W "{" ".join(v)}" -- "$cur")); return ;;' for k, v in values.items() if k.endswith(" "))}
        esac
    fi
    local opts=""
    case "$cmd" in
{cases}
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -F _zhtj zhtj
"""


def zsh_script(parser: argparse.ArgumentParser) -> str:
    """zsh runs the same function through its bash-compatible completion."""
    return ("# zhtj 命令行补全（zsh）。安装：zhtj completion zsh > ~/.zhtj.zsh，"
            "并在 ~/.zshrc 中加入 source ~/.zhtj.zsh\n"
            "autoload -Uz compinit && (( $+functions[compdef] )) || compinit\n"
            "autoload -U +X bashcompinit && bashcompinit\n"
            + bash_script(parser).split("\n", 1)[1])


def cmd_completion(args, ctx) -> int:
    from zhtj_tui.cli import build_parser

    parser = build_parser()
    print(bash_script(parser) if args.shell == "bash" else zsh_script(parser), end="")
    return 0
