"""sly's LALR(1) parsing loop (`sly.yacc.Parser.parse`), kept to what
hilang's grammar uses, for speed: half of parsing a program was sly's loop
itself rather than the rules it calls.

The same tables, the same shifts and reductions, the same values: each
rule is called with sly's `YaccProduction` over the same slice of the
symbol stack, and each nonterminal records `lineno`, `index` and `end` as
sly's position tracking does (`p.index` and `p.end` read them). Left out:
sly's error recovery, since hilang's `error` never returns (it raises to
end the run: hilang.parser); the `id(value)` -> position tables nothing
reads; and `self.production` per reduction. The parser's `state`,
`statestack` and `symstack` are as sly leaves them whenever `error` is
called (the messages read them to say what was expected).
"""

from __future__ import annotations

from sly.yacc import YaccProduction, YaccSymbol

# YaccProduction's slots, set directly: its `__setattr__` is Python code.
_set_slice = YaccProduction._slice.__set__
_set_namemap = YaccProduction._namemap.__set__


def parse(parser, tokens):
    """`parser.parse(tokens)` as sly runs it (see the module docstring)."""
    actions = parser._lrtable.lr_action
    goto = parser._lrtable.lr_goto
    productions = parser._grammar.Productions
    defaulted_states = parser._lrtable.defaulted_states
    pslice = YaccProduction(None)
    parser.tokens = tokens
    parser.statestack = statestack = []
    parser.symstack = symstack = []
    pslice._stack = symstack
    parser.restart()
    state = 0
    lookahead = None
    next_token = tokens.__next__
    shift, reduce = statestack.append, symstack.append
    while True:
        if state not in defaulted_states:
            if lookahead is None:
                try:
                    lookahead = next_token()
                except StopIteration:
                    lookahead = None
                if not lookahead:
                    lookahead = YaccSymbol()
                    lookahead.type = "$end"
            t = actions[state].get(lookahead.type)
        else:
            t = defaulted_states[state]
        if t is None:
            parser.state = state
            parser.error(None if lookahead.type == "$end" else lookahead)
            raise AssertionError("the grammar's error() returned; it must raise")
        if t > 0:
            shift(t)
            state = t
            reduce(lookahead)
            lookahead = None
            continue
        if t < 0:
            p = productions[-t]
            pname = p.name
            plen = p.len
            _set_namemap(pslice, p.namemap)
            sym = YaccSymbol()
            sym.type = pname
            if plen:
                targ = symstack[-plen:]
                _set_slice(pslice, targ)
                parser.state = state
                value = p.func(parser, pslice)
                if value is pslice:
                    value = (pname, *(s.value for s in targ))
                sym.value = value
                first = targ[0]
                sym.lineno = first.lineno
                sym.index = first.index
                sym.end = targ[-1].end
                del symstack[-plen:]
                del statestack[-plen:]
            else:
                _set_slice(pslice, [])
                parser.state = state
                value = p.func(parser, pslice)
                if value is pslice:
                    value = (pname,)
                sym.value = value
                sym.lineno = None
                sym.index = None
                sym.end = None
            reduce(sym)
            state = goto[statestack[-1]][pname]
            shift(state)
            continue
        # t == 0: accepted
        parser.state = state
        return getattr(symstack[-1], "value", None)
