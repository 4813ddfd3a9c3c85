# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""``listSnapshots`` patterns (C11): a regular-expression subset matched in linear time.

Python's ``re`` backtracks: ``(a+)+b`` against a long name of ``a`` runs for hours, and the C
matcher holds the interpreter lock all the while, so one request would freeze every thread of
the simulator (control API and exit-with-parent watchdog included). This module parses the
subset of syntax that Java and Python share and a finite automaton can run (no
back-references, no look-around), compiles it to a Thompson NFA and simulates it in pure
Python: the cost is at most (program size) × (name length) steps per name, each call has a
step budget, and the interpreter switches threads between steps as usual.
"""

MAX_PATTERN = 1024     # characters
MAX_REPEAT = 1000      # a counted repetition's bound
MAX_PROGRAM = 5000     # NFA states after expanding counted repetitions
MAX_STEPS = 1000000    # NFA states visited by one listSnapshots call (about a second)

_CHAR, _SPLIT, _BOL, _EOL, _MATCH = range(5)
_DIGITS = frozenset("0123456789")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_SPACE = frozenset(" \t\n\r\f\v")
# ASCII classes, as Java's defaults (Python's str patterns would use Unicode ones).
_CLASSES = {"d": (_DIGITS, False), "D": (_DIGITS, True), "w": (_WORD, False),
            "W": (_WORD, True), "s": (_SPACE, False), "S": (_SPACE, True)}
_CONTROL_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_SPECIAL = frozenset("\\.^$|?*+()[]{}")


class PatternError(ValueError):
    """The pattern is not in the language of C11, or too costly to match."""


class _CharSet:
    """What one character position accepts: literals, ranges and classes, maybe negated."""

    __slots__ = ("chars", "ranges", "classes", "negated")

    def __init__(self, chars=(), ranges=(), classes=(), negated=False):
        self.chars = frozenset(chars)
        self.ranges = tuple(ranges)
        self.classes = tuple(classes)
        self.negated = negated

    def __call__(self, char):
        found = char in self.chars or any(lo <= char <= hi for lo, hi in self.ranges) or \
            any((char in members) != negated for members, negated in self.classes)
        return found != self.negated


_ANY = _CharSet(chars="\n", negated=True)


class _Parser:
    """Recursive descent over the pattern; nodes are tuples (kind, ...)."""

    def __init__(self, text):
        self.text = text
        self.pos = 0

    def error(self, message):
        raise PatternError("%s at position %d" % (message, self.pos))

    def peek(self, offset=0):
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else None

    def take(self):
        char = self.peek()
        self.pos += 1
        return char

    def parse(self):
        node = self.alternation()
        if self.peek() is not None:  # only a ")" stops alternation early
            self.error("unbalanced parenthesis")
        return node

    def alternation(self):
        branches = [self.sequence()]
        while self.peek() == "|":
            self.take()
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self):
        items = []
        while self.peek() not in (None, "|", ")"):
            atom = self.atom()
            bounds = self.quantifier()
            if bounds is not None:
                if atom[0] in ("bol", "eol"):
                    self.error("nothing to repeat")
                atom = ("rep", atom) + bounds
                if self.quantifier(peek_only=True):
                    self.error("multiple repeat")
            items.append(atom)
        return ("cat", items)

    def quantifier(self, peek_only=False):
        char = self.peek()
        if char in ("*", "+", "?"):
            bounds, length = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char], 1
        elif char == "{":
            bounds, length = self.counted()
            if bounds is None:
                return None
        else:
            return None
        if peek_only:
            return True
        self.pos += length
        if self.peek() == "?":       # lazy: the same set of full matches
            self.take()
        elif self.peek() == "+":
            self.error("possessive quantifiers are not supported")
        return bounds

    def counted(self):
        """``{m}``, ``{m,}``, ``{m,n}``, ``{,n}`` at the cursor: ((lo, hi), length) or
        (None, 0) when the brace is a literal (as in Python)."""
        end = self.text.find("}", self.pos)
        if end < 0:
            return None, 0
        body = self.text[self.pos + 1:end]
        low, comma, high = body.partition(",")
        if not all(part == "" or part.isascii() and part.isdigit() for part in (low, high)) or \
                not low and not high or not comma and not low:
            return None, 0
        lo = int(low) if low else 0
        hi = (int(high) if high else None) if comma else lo
        if max(lo, hi or 0) > MAX_REPEAT:
            self.error("a counted repetition above %d" % MAX_REPEAT)
        if hi is not None and hi < lo:
            self.error("min repeat greater than max repeat")
        return (lo, hi), end - self.pos + 1

    def atom(self):
        if self.peek() in ("*", "+", "?") or self.peek() == "{" and self.counted()[0]:
            self.error("nothing to repeat")
        char = self.take()
        if char == "(":
            if self.peek() == "?":
                if self.peek(1) != ":":
                    self.error("(?...) constructs other than (?:...) are not supported")
                self.pos += 2
            node = self.alternation()
            if self.take() != ")":
                self.error("missing ), unterminated subpattern")
            return node
        if char == "[":
            return ("char", self.char_class())
        if char == ".":
            return ("char", _ANY)
        if char == "^":
            return ("bol",)
        if char == "$":
            return ("eol",)
        if char == "\\":
            return ("char", self.escape(in_class=False))
        return ("char", _CharSet(chars=char))

    def escape(self, in_class):
        """After a backslash: a _CharSet (outside a class) or a str / class tuple (inside)."""
        char = self.take()
        if char is None:
            self.error("bad escape (end of pattern)")
        if char in _CLASSES:
            members, negated = _CLASSES[char]
            return ("class", members, negated) if in_class else \
                _CharSet(classes=[(members, negated)])
        if char in _CONTROL_ESCAPES:
            literal = _CONTROL_ESCAPES[char]
        elif char in ("x", "u"):
            size = 2 if char == "x" else 4
            digits = self.text[self.pos:self.pos + size]
            if len(digits) != size or not all(d in "0123456789abcdefABCDEF" for d in digits):
                self.error("\\%s needs %d hex digits" % (char, size))
            self.pos += size
            literal = chr(int(digits, 16))
        elif char.isascii() and char.isalnum():
            self.error("\\%s is not supported" % char)
        else:
            literal = char
        return literal if in_class else _CharSet(chars=literal)

    def char_class(self):
        negated = self.peek() == "^"
        if negated:
            self.take()
        chars, ranges, classes = set(), [], []
        first = True
        while True:
            char = self.peek()
            if char is None:
                self.error("unterminated character set")
            if char == "]" and not first:
                self.take()
                break
            first = False
            if char == "[" or self.text.startswith("&&", self.pos):
                # Java reads these as nested classes / intersections, Python as literals.
                self.error("'%s' in a character set must be escaped" % char)
            item = self.class_item()
            if isinstance(item, tuple):
                classes.append(item[1:])
                continue
            if self.peek() == "-" and self.peek(1) not in (None, "]"):
                self.take()
                high = self.class_item()
                if isinstance(high, tuple) or high < item:
                    self.error("bad character range")
                ranges.append((item, high))
            else:
                chars.add(item)
        return _CharSet(chars, ranges, classes, negated)

    def class_item(self):
        char = self.take()
        if char == "\\":
            return self.escape(in_class=True)
        return char


class Pattern:
    """A compiled pattern; ``fullmatch(name, budget)`` is True when it matches all of name."""

    def __init__(self, text):
        if not isinstance(text, str):
            raise PatternError("must be a string")
        if len(text) > MAX_PATTERN:
            raise PatternError("longer than %d characters" % MAX_PATTERN)
        self.text = text
        self.program = []
        match = self._emit(_MATCH)
        self.start = self._compile(_Parser(text).parse(), match)

    def _emit(self, op, arg=None, nxt=None):
        if len(self.program) >= MAX_PROGRAM:
            raise PatternError("too complex (more than %d states once repetitions are "
                               "expanded)" % MAX_PROGRAM)
        self.program.append([op, arg, nxt])
        return len(self.program) - 1

    def _compile(self, node, nxt):
        """Compile ``node`` so that it continues at state ``nxt``; returns its first state."""
        kind = node[0]
        if kind == "char":
            return self._emit(_CHAR, node[1], nxt)
        if kind == "bol":
            return self._emit(_BOL, None, nxt)
        if kind == "eol":
            return self._emit(_EOL, None, nxt)
        if kind == "cat":
            for child in reversed(node[1]):
                nxt = self._compile(child, nxt)
            return nxt
        if kind == "alt":
            starts = [self._compile(child, nxt) for child in node[1]]
            state = starts[-1]
            for other in reversed(starts[:-1]):
                state = self._emit(_SPLIT, other, state)
            return state
        _kind, child, low, high = node
        if high is None:
            loop = self._emit(_SPLIT, None, nxt)
            self.program[loop][1] = self._compile(child, loop)
            tail = loop
        else:
            tail = nxt
            for _ignored in range(high - low):
                tail = self._emit(_SPLIT, self._compile(child, tail), nxt)
        for _ignored in range(low):
            tail = self._compile(child, tail)
        return tail

    def fullmatch(self, name, budget):
        """True when the pattern matches the whole of ``name``; spends ``budget`` steps."""
        states = self._closure([self.start], 0, len(name), budget)
        for index, char in enumerate(name):
            moved = [self.program[pc][2] for pc in states
                     if self.program[pc][0] == _CHAR and self.program[pc][1](char)]
            if not moved:
                return False
            states = self._closure(moved, index + 1, len(name), budget)
        return any(self.program[pc][0] == _MATCH for pc in states)

    def _closure(self, starts, pos, end, budget):
        """The states reachable from ``starts`` without consuming a character."""
        seen, out, stack = set(), [], list(reversed(starts))
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            budget.spend()
            op, arg, nxt = self.program[pc]
            if op == _SPLIT:
                stack.append(nxt)
                stack.append(arg)
            elif op == _BOL:
                if pos == 0:
                    stack.append(nxt)
            elif op == _EOL:
                if pos == end:
                    stack.append(nxt)
            else:
                out.append(pc)
        return out


class Budget:
    """Steps one call may spend matching; beyond, PatternError."""

    __slots__ = ("left",)

    def __init__(self, steps=MAX_STEPS):
        self.left = steps

    def spend(self):
        self.left -= 1
        if self.left < 0:
            raise PatternError("too costly to match (more than %d steps)" % MAX_STEPS)
