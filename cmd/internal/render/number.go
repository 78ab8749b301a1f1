package render

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Float writes v with prec digits after the point, and NaN/Inf plainly.
func Float(v float64, prec int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return fmt.Sprintf("%.*f", prec, v)
}

// Sci writes v in compact scientific notation (3 significant digits), or
// plainly when it is a modest number.
func Sci(v float64) string {
	switch {
	case math.IsNaN(v), math.IsInf(v, 0):
		return Float(v, 0)
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e-3 && math.Abs(v) < 1e4:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".")
	}
	return fmt.Sprintf("%.2e", v)
}

// Percent writes a fraction in [0, 1] as a percentage with two decimals.
func Percent(frac float64) string {
	if math.IsNaN(frac) {
		return "NaN"
	}
	return fmt.Sprintf("%.2f %%", 100*frac)
}

// Number is a float64 whose JSON form writes NaN and ±Inf as the strings
// "NaN", "Inf" and "-Inf", which plain JSON cannot hold.
type Number float64

// MarshalJSON implements json.Marshaler.
func (n Number) MarshalJSON() ([]byte, error) {
	v := float64(n)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(v)
}

// JSON writes v indented, with a final newline.
func JSON(w interface{ Write([]byte) (int, error) }, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
