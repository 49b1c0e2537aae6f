package sources

import (
	"context"
	"log/slog"
	"strings"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/connector/postgres"
	"github.com/freshet-db/freshet/sql/sqlerr"
)

// postgresRunner adapts the Postgres CDC source.
type postgresRunner struct {
	src *postgres.Source
}

// newPostgres builds a CDC source from the options CREATE SOURCE stored:
// connection, publication, optional slot and tables ("up=name,...").
func newPostgres(rel *catalog.Relation, logger *slog.Logger) (*postgresRunner, error) {
	o := rel.Options
	cfg := postgres.Config{ConnString: o["connection"], Publication: o["publication"], Slot: o["slot"], SourceName: rel.Name}
	for k := range o {
		switch k {
		case "connection", "publication", "slot", "tables":
		default:
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "unknown postgres source option %s", strings.ToUpper(k)).
				WithHint("The options are CONNECTION, PUBLICATION, FOR TABLES and WITH (SLOT = '...').")
		}
	}
	if t := o["tables"]; t != "" {
		for _, m := range strings.Split(t, ",") {
			up, name, _ := strings.Cut(m, "=")
			cfg.Tables = append(cfg.Tables, postgres.TableMapping{Upstream: up, Name: name})
		}
	}
	src, err := postgres.New(cfg, logger)
	if err != nil {
		return nil, err
	}
	return &postgresRunner{src: src}, nil
}

// EncodeTables stores FOR TABLES mappings in a source's options.
func EncodeTables(mappings [][2]string) string {
	parts := make([]string, len(mappings))
	for i, m := range mappings {
		parts[i] = m[0] + "=" + m[1]
	}
	return strings.Join(parts, ",")
}

func (p *postgresRunner) Schemas(ctx context.Context) ([]connector.TableSchema, error) {
	return p.src.Discover(ctx)
}

func (p *postgresRunner) Run(ctx context.Context, w connector.Writer, resume connector.Position) error {
	return p.src.Run(ctx, w, resume)
}

func (p *postgresRunner) State() connector.SourceState { return p.src.State() }

func (p *postgresRunner) Drop(ctx context.Context) error { return p.src.DropSlot(ctx) }
