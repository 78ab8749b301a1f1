package tracer

import "math"

// Stats summarises the values of an array. Mean, Std, Min, Max and Norm are
// taken over the finite values only, so one NaN does not hide what the rest
// look like; NaN and Inf count what was left out.
type Stats struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Norm  float64 `json:"l2_norm"` // Euclidean norm of the finite values
	NaN   int     `json:"nan"`
	Inf   int     `json:"inf"` // +Inf and -Inf together
	Zeros int     `json:"zeros"`
}

// Finite reports whether the array had no NaN and no Inf.
func (s Stats) Finite() bool { return s.NaN == 0 && s.Inf == 0 }

// Summarize computes the statistics of a in one pass.
func Summarize(a *Array) Stats { return summarize(a.data) }

func summarize(v []float64) Stats {
	s := Stats{Count: len(v), Min: math.Inf(1), Max: math.Inf(-1)}
	// Shifted sums keep the variance accurate when the mean is large
	// compared with the spread (a bias row all near 0.3, say).
	var shift float64
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			shift = x
			break
		}
	}
	var sum, sumSq, sq float64
	n := 0
	for _, x := range v {
		switch {
		case x != x:
			s.NaN++
			continue
		case x > math.MaxFloat64 || x < -math.MaxFloat64:
			s.Inf++
			continue
		case x == 0:
			s.Zeros++
		}
		n++
		d := x - shift
		sum += d
		sumSq += d * d
		sq += x * x
		if x < s.Min {
			s.Min = x
		}
		if x > s.Max {
			s.Max = x
		}
	}
	if n == 0 {
		s.Min, s.Max = math.NaN(), math.NaN()
		s.Mean, s.Std = math.NaN(), math.NaN()
		return s
	}
	mean := sum / float64(n)
	s.Mean = shift + mean
	s.Std = math.Sqrt(math.Max(sumSq/float64(n)-mean*mean, 0))
	s.Norm = math.Sqrt(sq)
	return s
}
