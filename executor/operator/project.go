package operator

import (
	"context"
	"strings"

	"github.com/freshet-db/freshet/executor/expr"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// Project (the algebra's Map) computes a list of expressions over each
// row. It is linear and stateless. An update whose row fails to evaluate
// becomes an error update with the same diff.
type Project struct {
	exprs []expr.Evaluator
	descs []string
	out   []stream.Update
}

// NewProject returns a projection computing exprs; descs print them.
func NewProject(exprs []expr.Evaluator, descs []string) *Project {
	return &Project{exprs: exprs, descs: descs}
}

// Step implements Operator.
func (p *Project) Step(ctx context.Context, s *Scope, ins [][]stream.Update) ([]stream.Update, error) {
	in := ins[0]
	out := p.out[:0]
	w := len(p.exprs)
	// One allocation holds the datums of every output row of the step.
	block := make([]datum.Datum, w*len(in))
	for i := range in {
		if err := s.Poll(ctx); err != nil {
			return nil, err
		}
		row := block[i*w : (i+1)*w : (i+1)*w]
		ok := true
		for j, e := range p.exprs {
			v, err := e(in[i].Row)
			if err != nil {
				s.Error(err, in[i].Diff)
				ok = false
				break
			}
			row[j] = v
		}
		if ok {
			out = append(out, stream.Update{Row: row, Time: s.Time, Diff: in[i].Diff})
		}
	}
	p.out = out
	return out, nil
}

// Explain implements Operator.
func (p *Project) Explain() string { return "Project [" + strings.Join(p.descs, ", ") + "]" }

// StateBytes implements Operator.
func (p *Project) StateBytes() int { return 0 }
