package net

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// npyMagic starts every .npy file (NumPy's format.py, MAGIC_PREFIX).
var npyMagic = []byte("\x93NUMPY")

// maxHeaderLen bounds the header a file may claim. NumPy writes a few
// hundred bytes; it refuses headers over 10,000 bytes by default
// (numpy.lib.format, max_header_size) and so does backstep, with room for
// files written with a larger allowance.
const maxHeaderLen = 1 << 20

// npyHeader is what a .npy header says about its array.
type npyHeader struct {
	descr   string
	fortran bool
	shape   []int64
	size    int64 // bytes the header takes, magic string included
}

// errDamaged marks a header that cannot be what NumPy writes.
var errDamaged = errors.New("damaged")

// readNpyHeader reads the magic string, the version, the header length and
// the header dictionary of one .npy array, as described in NumPy's format
// specification (numpy.lib.format): version 1.0 has a 2-byte length and an
// ASCII header, 2.0 a 4-byte length, 3.0 a 4-byte length and UTF-8.
func readNpyHeader(r io.Reader) (npyHeader, error) {
	var pre [12]byte
	if _, err := io.ReadFull(r, pre[:10]); err != nil || !bytes.HasPrefix(pre[:], npyMagic) {
		return npyHeader{}, errNotNpy
	}
	var hlen uint64
	switch pre[6] {
	case 1:
		hlen = uint64(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		if _, err := io.ReadFull(r, pre[10:12]); err != nil {
			return npyHeader{}, fmt.Errorf("%w: the file ends inside its .npy header", errDamaged)
		}
		hlen = uint64(binary.LittleEndian.Uint32(pre[8:12]))
	default:
		return npyHeader{}, fmt.Errorf("%w: .npy format version %d.%d, which NumPy has never written (it writes 1.0, 2.0 and 3.0)", errDamaged, pre[6], pre[7])
	}
	if hlen > maxHeaderLen {
		return npyHeader{}, fmt.Errorf("%w: its .npy header claims %d bytes, where NumPy writes a few hundred", errDamaged, hlen)
	}
	buf := make([]byte, hlen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return npyHeader{}, fmt.Errorf("%w: the file ends inside its .npy header", errDamaged)
	}
	h, err := parseNpyHeader(string(buf))
	h.size = int64(hlen) + 10
	if pre[6] > 1 {
		h.size += 2
	}
	return h, err
}

// errNotNpy is a member that does not start with NumPy's magic string.
var errNotNpy = errors.New("not a .npy array")

// parseNpyHeader reads the Python dictionary literal NumPy writes, e.g.
// {'descr': '<f8', 'fortran_order': False, 'shape': (10000, 784), }
// Keys may come in any order; all three must be there and no other.
func parseNpyHeader(s string) (npyHeader, error) {
	p := &literal{s: s}
	var h npyHeader
	seen := map[string]bool{}
	if !p.eat('{') {
		return h, p.fail("a dictionary such as {'descr': '<f8', ...}")
	}
	for !p.eat('}') {
		key, ok := p.str()
		if !ok {
			return h, p.fail("a quoted key")
		}
		if seen[key] {
			return h, fmt.Errorf("%w: the .npy header gives %q twice", errDamaged, key)
		}
		seen[key] = true
		if !p.eat(':') {
			return h, p.fail("a colon after '" + key + "'")
		}
		switch key {
		case "descr":
			if p.peek() == '[' || p.peek() == '(' || p.peek() == '{' {
				return h, fmt.Errorf("structured dtype (a record of named fields): save plain numeric arrays, one per name")
			}
			if h.descr, ok = p.str(); !ok {
				return h, p.fail("a dtype string such as '<f8'")
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
			default:
				return h, p.fail("True or False for fortran_order")
			}
		case "shape":
			shape, err := p.tuple()
			if err != nil {
				return h, err
			}
			h.shape = shape
		default:
			return h, fmt.Errorf("%w: the .npy header has a key %q, which NumPy does not write", errDamaged, key)
		}
		if !p.eat(',') && p.peek() != '}' {
			return h, p.fail("a comma or }")
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("%w: the .npy header has no %q", errDamaged, k)
		}
	}
	return h, nil
}

// literal is a cursor over a Python literal.
type literal struct {
	s string
	i int
}

func (p *literal) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *literal) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *literal) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *literal) word(w string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a quoted string without escapes (NumPy's keys and dtypes
// have none).
func (p *literal) str() (string, bool) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", false
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

// tuple reads a shape: (), (3,), (10000, 784). Python 2 wrote long
// integers with an L suffix; NumPy still reads them.
func (p *literal) tuple() ([]int64, error) {
	if !p.eat('(') {
		return nil, p.fail("a shape such as (10000, 784)")
	}
	shape := []int64{}
	for !p.eat(')') {
		p.space()
		start := p.i
		for p.i < len(p.s) && (p.s[p.i] == '-' || p.s[p.i] >= '0' && p.s[p.i] <= '9') {
			p.i++
		}
		tok := p.s[start:p.i]
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		if tok == "" {
			return nil, p.fail("a whole number in the shape")
		}
		n, err := strconv.ParseInt(tok, 10, 64)
		switch {
		case err != nil && errors.Is(err, strconv.ErrRange):
			return nil, fmt.Errorf("%w: the shape holds the size %s, larger than any array can be", errDamaged, tok)
		case err != nil:
			return nil, p.fail("a whole number in the shape")
		case n < 0:
			return nil, fmt.Errorf("%w: the shape holds the negative size %d", errDamaged, n)
		}
		shape = append(shape, n)
		if !p.eat(',') && p.peek() != ')' {
			return nil, p.fail("a comma or ) in the shape")
		}
	}
	return shape, nil
}

func (p *literal) fail(want string) error {
	at := p.s[min(p.i, len(p.s)):]
	if len(at) > 20 {
		at = at[:20] + "…"
	}
	if at == "" {
		return fmt.Errorf("%w: its .npy header ends where %s should be", errDamaged, want)
	}
	return fmt.Errorf("%w: its .npy header has %q where %s should be", errDamaged, at, want)
}

// elements multiplies a shape's sizes, reporting false when the product
// would pass limit (which also keeps it from overflowing int64 or wrapping
// round to exactly 0, as a shape of (4, 2**62) would in 64 bits). A zero
// size makes the product 0 whatever the other sizes, but a size above limit
// is refused even then: no array backstep reads has one.
func elements(shape []int64, limit int64) (int64, bool) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 || d > limit {
			return 0, false
		}
	}
	for _, d := range shape {
		if d == 0 {
			return 0, true
		}
		if n > limit/d {
			return 0, false
		}
		n *= d
	}
	return n, n <= limit && n <= math.MaxInt
}
