// Package loadgen is the built-in e-commerce load generator behind
// CREATE SOURCE ... FROM LOAD GENERATOR ECOMMERCE: related, realistic
// tables (customers, products, inventory, orders and their items,
// payments, page views, cart events, competitor prices) changed by
// transactions as a real shop's would be: orders move placed → paid →
// shipped or get cancelled (restocking inventory), stock runs down and is
// replenished, competitors reprice, sessions browse with a hot-SKU skew (a
// few products get most of the traffic), and a small share of payments
// carries fraud-like patterns (bursts from one card, card and IP countries
// that differ, one card on many devices). Old page views and cart events
// are deleted by retention, so tables see inserts, updates and deletes.
//
// The generator is deterministic for a seed: the same Options give the
// same transactions, byte for byte, including timestamps (simulated time
// advances by 1/Rate per event from Options.Start).
package loadgen

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/datum"
	"github.com/freshet-db/freshet/sql/stream"
)

// Options tune the generator. Zero values take the defaults.
type Options struct {
	// Scale multiplies the catalogue: 1,000 products and 10,000 customers
	// per unit. Default 1.
	Scale int
	// Rate is shop events per second for Run; negative runs unthrottled.
	// Default 100.
	Rate float64
	// Seed makes runs reproducible. Default 1.
	Seed uint64
	// Start is the simulated time of the first event. Default: when New is
	// called (truncated to the second).
	Start time.Time
}

func (o Options) withDefaults() Options {
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.Rate == 0 {
		o.Rate = 100
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Start.IsZero() {
		o.Start = time.Now().UTC().Truncate(time.Second)
	}
	return o
}

// Generator produces the shop's transactions. It is not safe for
// concurrent use.
type Generator struct {
	opts Options
	rng  *rand.Rand
	hot  *rand.Zipf // product popularity
	now  int64      // simulated time, µs since the Unix epoch
	step int64      // µs per event

	customers []customer
	products  []product
	inventory [][]datum.Row // [product][warehouse] current row
	rivals    [][]datum.Row // [product][competitor] current row
	open      []*order      // orders not yet shipped or cancelled

	nextOrder, nextPayment, nextView, nextCart int64
	views, carts                               ring         // retention of the newest rows
	burst                                      int          // payments left in a fraud burst
	burstCard                                  int          // customer whose card bursts
	events                                     atomic.Int64 // read by State from other goroutines
}

type customer struct {
	id      int64
	country string
	card    string
	device  string
}

type product struct {
	row   datum.Row
	price int64 // cents
}

type order struct {
	row   datum.Row
	items []datum.Row
	paid  bool
}

// ring keeps the newest rows of an append-heavy table so retention can
// delete the oldest.
type ring struct {
	rows []datum.Row
	head int
	full bool
}

func (r *ring) push(row datum.Row) (evicted datum.Row) {
	if r.full {
		evicted = r.rows[r.head]
	}
	r.rows[r.head] = row
	r.head++
	if r.head == len(r.rows) {
		r.head, r.full = 0, true
	}
	return evicted
}

// New returns a generator; Initial must be taken before Next.
func New(opts Options) *Generator {
	opts = opts.withDefaults()
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed*0x9e3779b97f4a7c15+1))
	nProducts := 1000 * opts.Scale
	g := &Generator{
		opts:  opts,
		rng:   rng,
		hot:   rand.NewZipf(rng, 1.2, 2, uint64(nProducts-1)),
		now:   opts.Start.UnixMicro(),
		step:  simStep(opts.Rate),
		views: ring{rows: make([]datum.Row, 20000*opts.Scale)},
		carts: ring{rows: make([]datum.Row, 5000*opts.Scale)},
	}
	return g
}

// simStep is the simulated time between events: 1/Rate, or 10 µs when
// unthrottled.
func simStep(rate float64) int64 {
	if rate <= 0 {
		return 10
	}
	return max(1, int64(1e6/rate))
}

// Initial returns the transactions that create the catalogue: customers,
// products, inventory and competitor prices, one table per transaction.
func (g *Generator) Initial() []connector.Txn {
	ts := datum.NewTimestamp(g.now)
	nCustomers := 10000 * g.opts.Scale
	cust := make([]stream.Update, 0, nCustomers)
	for i := range nCustomers {
		c := customer{
			id:      int64(i + 1),
			country: countries[g.rng.IntN(len(countries))],
			card:    fmt.Sprintf("card-%08x", g.rng.Uint32()),
			device:  fmt.Sprintf("dev-%06x", g.rng.Uint32()&0xffffff),
		}
		g.customers = append(g.customers, c)
		first, last := firstNames[g.rng.IntN(len(firstNames))], lastNames[g.rng.IntN(len(lastNames))]
		cust = append(cust, insert(datum.Row{datum.NewInt8(c.id), datum.NewText(first + " " + last),
			datum.NewText(fmt.Sprintf("customer%d@example.com", c.id)), datum.NewText(c.country), ts}))
	}
	nProducts := 1000 * g.opts.Scale
	prods := make([]stream.Update, 0, nProducts)
	inv := make([]stream.Update, 0, nProducts*len(warehouses))
	riv := make([]stream.Update, 0, nProducts*len(rivals))
	for i := range nProducts {
		id := int64(i + 1)
		price := int64(199 + g.rng.IntN(30000))
		p := product{price: price, row: datum.Row{datum.NewInt8(id), datum.NewText(fmt.Sprintf("SKU-%05d", id)),
			datum.NewText(adjectives[g.rng.IntN(len(adjectives))] + " " + nouns[g.rng.IntN(len(nouns))]),
			datum.NewText(categories[g.rng.IntN(len(categories))]), cents(price)}}
		g.products = append(g.products, p)
		prods = append(prods, insert(p.row))
		rows := make([]datum.Row, len(warehouses))
		for w, wh := range warehouses {
			rows[w] = datum.Row{datum.NewInt8(id), datum.NewText(wh), datum.NewInt4(int64(20 + g.rng.IntN(200))),
				datum.NewInt4(int64(5 + g.rng.IntN(20))), ts}
			inv = append(inv, insert(rows[w]))
		}
		g.inventory = append(g.inventory, rows)
		rrows := make([]datum.Row, len(rivals))
		for r, name := range rivals {
			rrows[r] = datum.Row{datum.NewInt8(id), datum.NewText(name), cents(price * int64(85+g.rng.IntN(30)) / 100), ts}
			riv = append(riv, insert(rrows[r]))
		}
		g.rivals = append(g.rivals, rrows)
	}
	return []connector.Txn{
		{Writes: []connector.Write{{Table: Customers, Updates: cust}}},
		{Writes: []connector.Write{{Table: Products, Updates: prods}}},
		{Writes: []connector.Write{{Table: Inventory, Updates: inv}}},
		{Writes: []connector.Write{{Table: CompetitorPrices, Updates: riv}}},
	}
}

func insert(row datum.Row) stream.Update { return stream.Update{Row: row, Diff: 1} }
func remove(row datum.Row) stream.Update { return stream.Update{Row: row, Diff: -1} }
func cents(c int64) datum.Datum          { return datum.NewNumeric(c, 2) }

// Events returns how many shop events Next has produced.
func (g *Generator) Events() int64 { return g.events.Load() }

// Next returns the shop's next transaction.
func (g *Generator) Next() connector.Txn {
	g.events.Add(1)
	g.now += g.step
	switch r := g.rng.IntN(1000); {
	case r < 430:
		return g.pageView()
	case r < 620:
		return g.cartEvent()
	case r < 700 && len(g.open) < 2000*g.opts.Scale:
		return g.placeOrder()
	case r < 770:
		if t, ok := g.pay(); ok {
			return t
		}
		return g.pageView()
	case r < 830:
		if t, ok := g.ship(); ok {
			return t
		}
		return g.pageView()
	case r < 850:
		if t, ok := g.cancel(); ok {
			return t
		}
		return g.pageView()
	case r < 880:
		return g.restock()
	case r < 950:
		return g.competitorPrice()
	case r < 960:
		return g.repricing()
	default:
		return g.cartEvent()
	}
}

func (g *Generator) ts() datum.Datum { return datum.NewTimestamp(g.now) }

func (g *Generator) hotProduct() int { return int(g.hot.Uint64()) }

func (g *Generator) session() (string, datum.Datum, int) {
	c := g.rng.IntN(len(g.customers))
	if g.rng.IntN(4) == 0 { // anonymous browsing
		return fmt.Sprintf("anon-%d", g.rng.IntN(50000)), datum.Null, c
	}
	return fmt.Sprintf("s-%d-%d", g.customers[c].id, g.now/(30*60*1e6)), datum.NewInt8(g.customers[c].id), c
}

func (g *Generator) pageView() connector.Txn {
	g.nextView++
	sess, cust, _ := g.session()
	p := g.hotProduct()
	row := datum.Row{datum.NewInt8(g.nextView), datum.NewText(sess), cust, datum.NewInt8(int64(p + 1)),
		datum.NewText(referrers[g.rng.IntN(len(referrers))]), g.ts()}
	us := []stream.Update{insert(row)}
	if old := g.views.push(row); old != nil {
		us = append(us, remove(old))
	}
	return txn(connector.Write{Table: PageViews, Updates: us})
}

func (g *Generator) cartEvent() connector.Txn {
	g.nextCart++
	sess, cust, _ := g.session()
	action := "add"
	if g.rng.IntN(4) == 0 {
		action = "remove"
	}
	row := datum.Row{datum.NewInt8(g.nextCart), datum.NewText(sess), cust, datum.NewInt8(int64(g.hotProduct() + 1)),
		datum.NewText(action), datum.NewInt4(int64(1 + g.rng.IntN(3))), g.ts()}
	us := []stream.Update{insert(row)}
	if old := g.carts.push(row); old != nil {
		us = append(us, remove(old))
	}
	return txn(connector.Write{Table: CartEvents, Updates: us})
}

func (g *Generator) placeOrder() connector.Txn {
	g.nextOrder++
	c := g.customers[g.rng.IntN(len(g.customers))]
	n := 1 + g.rng.IntN(4)
	var total int64
	o := &order{}
	var invUpdates []stream.Update
	wh := g.rng.IntN(len(warehouses))
	for line := range n {
		p := g.hotProduct()
		qty := int64(1 + g.rng.IntN(3))
		price := g.products[p].price
		total += qty * price
		o.items = append(o.items, datum.Row{datum.NewInt8(g.nextOrder), datum.NewInt4(int64(line + 1)),
			datum.NewInt8(int64(p + 1)), datum.NewInt4(qty), cents(price)})
		invUpdates = append(invUpdates, g.adjustStock(p, wh, -qty)...)
	}
	o.row = datum.Row{datum.NewInt8(g.nextOrder), datum.NewInt8(c.id), datum.NewText("placed"),
		datum.NewText(channels[g.rng.IntN(len(channels))]), cents(total), g.ts(), g.ts()}
	g.open = append(g.open, o)
	items := make([]stream.Update, len(o.items))
	for i, it := range o.items {
		items[i] = insert(it)
	}
	return txn(connector.Write{Table: Orders, Updates: []stream.Update{insert(o.row)}},
		connector.Write{Table: OrderItems, Updates: items},
		connector.Write{Table: Inventory, Updates: invUpdates})
}

// adjustStock changes one inventory row by delta (never below zero) and
// returns the update pair, or nothing if the quantity does not change.
func (g *Generator) adjustStock(p, wh int, delta int64) []stream.Update {
	old := g.inventory[p][wh]
	qty := max(0, old[2].Int()+delta)
	if qty == old[2].Int() {
		return nil
	}
	neu := datum.Row{old[0], old[1], datum.NewInt4(qty), old[3], g.ts()}
	g.inventory[p][wh] = neu
	return []stream.Update{remove(old), insert(neu)}
}

// setStatus moves an open order to a new status.
func (g *Generator) setStatus(o *order, status string) stream.Update {
	old := o.row
	o.row = datum.Row{old[0], old[1], datum.NewText(status), old[3], old[4], old[5], g.ts()}
	return insert(o.row)
}

func (g *Generator) pickOpen(paid bool) (int, bool) {
	for range 4 {
		if len(g.open) == 0 {
			return 0, false
		}
		i := g.rng.IntN(len(g.open))
		if g.open[i].paid == paid {
			return i, true
		}
	}
	return 0, false
}

func (g *Generator) closeOrder(i int) {
	g.open[i] = g.open[len(g.open)-1]
	g.open = g.open[:len(g.open)-1]
}

func (g *Generator) pay() (connector.Txn, bool) {
	i, ok := g.pickOpen(false)
	if !ok {
		return connector.Txn{}, false
	}
	o := g.open[i]
	custID := o.row[1].Int()
	c := g.customers[custID-1]
	card, device, ipCountry, cardCountry := c.card, c.device, c.country, c.country
	// Fraud-like patterns, about 3% of payments.
	if g.burst == 0 && g.rng.IntN(200) == 0 {
		g.burst, g.burstCard = 5+g.rng.IntN(10), int(custID-1)
	}
	switch {
	case g.burst > 0: // a burst of payments from one card on many devices
		g.burst--
		bc := g.customers[g.burstCard]
		card, cardCountry = bc.card, bc.country
		device = fmt.Sprintf("dev-%06x", g.rng.Uint32()&0xffffff)
	case g.rng.IntN(100) == 0: // card and IP countries differ
		ipCountry = countries[g.rng.IntN(len(countries))]
	}
	status := "authorized"
	if g.rng.IntN(50) == 0 {
		status = "declined"
	}
	g.nextPayment++
	pay := datum.Row{datum.NewInt8(g.nextPayment), o.row[0], datum.NewInt8(custID), datum.NewText(card), o.row[4],
		datum.NewText(cardCountry), datum.NewText(ipCountry), datum.NewText(device), datum.NewText(status), g.ts()}
	writes := []connector.Write{{Table: Payments, Updates: []stream.Update{insert(pay)}}}
	if status == "authorized" {
		old := o.row
		o.paid = true
		writes = append(writes, connector.Write{Table: Orders, Updates: []stream.Update{remove(old), g.setStatus(o, "paid")}})
	}
	return txn(writes...), true
}

func (g *Generator) ship() (connector.Txn, bool) {
	i, ok := g.pickOpen(true)
	if !ok {
		return connector.Txn{}, false
	}
	o := g.open[i]
	old := o.row
	up := g.setStatus(o, "shipped")
	g.closeOrder(i)
	return txn(connector.Write{Table: Orders, Updates: []stream.Update{remove(old), up}}), true
}

func (g *Generator) cancel() (connector.Txn, bool) {
	if len(g.open) == 0 {
		return connector.Txn{}, false
	}
	i := g.rng.IntN(len(g.open))
	o := g.open[i]
	old := o.row
	up := g.setStatus(o, "cancelled")
	var inv []stream.Update
	wh := g.rng.IntN(len(warehouses))
	for _, it := range o.items {
		inv = append(inv, g.adjustStock(int(it[2].Int()-1), wh, it[3].Int())...)
	}
	g.closeOrder(i)
	return txn(connector.Write{Table: Orders, Updates: []stream.Update{remove(old), up}},
		connector.Write{Table: Inventory, Updates: inv}), true
}

func (g *Generator) restock() connector.Txn {
	p, wh := g.hotProduct(), g.rng.IntN(len(warehouses))
	return txn(connector.Write{Table: Inventory, Updates: g.adjustStock(p, wh, int64(20+g.rng.IntN(100)))})
}

func (g *Generator) competitorPrice() connector.Txn {
	p, r := g.hotProduct(), g.rng.IntN(len(rivals))
	old := g.rivals[p][r]
	price := g.products[p].price * int64(80+g.rng.IntN(40)) / 100
	neu := datum.Row{old[0], old[1], cents(max(price, 99)), g.ts()}
	g.rivals[p][r] = neu
	return txn(connector.Write{Table: CompetitorPrices, Updates: []stream.Update{remove(old), insert(neu)}})
}

func (g *Generator) repricing() connector.Txn {
	p := g.hotProduct()
	old := g.products[p].row
	price := max(99, g.products[p].price*int64(95+g.rng.IntN(11))/100)
	neu := datum.Row{old[0], old[1], old[2], old[3], cents(price)}
	g.products[p] = product{row: neu, price: price}
	return txn(connector.Write{Table: Products, Updates: []stream.Update{remove(old), insert(neu)}})
}

// txn builds a transaction of the non-empty writes, each consolidated (a
// transaction states its net effect: two order lines that draw on the same
// stock row change it once).
func txn(ws ...connector.Write) connector.Txn {
	out := ws[:0]
	for _, w := range ws {
		if len(w.Updates) > 1 {
			w.Updates = stream.Consolidate(w.Updates)
		}
		if len(w.Updates) > 0 {
			out = append(out, w)
		}
	}
	return connector.Txn{Writes: out}
}

// Run writes the initial catalogue and then one transaction per event at
// Options.Rate until ctx ends. Each commit carries the generator's
// position (the number of events produced), so a restarted source resumes
// exactly where the durable state ends: with resume set, Run regenerates
// (without writing) the events before it and continues from there. When the
// writer falls behind, the transactions that are due go together through
// CommitBatch (each still its own timestamp) if the writer supports it.
func (g *Generator) Run(ctx context.Context, w connector.Writer, resume connector.Position) error {
	initial := g.Initial()
	if done, ok := DecodePosition(resume); ok {
		for g.events.Load() < done {
			g.Next()
		}
	} else {
		for i, t := range initial {
			var pos connector.Position
			if i == len(initial)-1 {
				pos = EncodePosition(0)
			}
			if err := w.Commit(ctx, t.Writes, pos); err != nil {
				return err
			}
		}
	}
	bw, batching := w.(connector.BatchWriter)
	start := time.Now()
	first := g.events.Load()
	batch := make([]connector.Txn, 0, 1024)
	for ctx.Err() == nil {
		due := first + int64(time.Since(start).Seconds()*g.opts.Rate)
		if g.opts.Rate < 0 {
			due = g.events.Load() + int64(cap(batch))
		}
		if due <= g.events.Load() {
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(float64(time.Second) / g.opts.Rate)):
			}
			continue
		}
		batch = batch[:0]
		for range min(due-g.events.Load(), int64(cap(batch))) {
			t := g.Next()
			t.Pos = EncodePosition(g.events.Load())
			batch = append(batch, t)
		}
		var err error
		if batching {
			err = bw.CommitBatch(ctx, batch)
		} else {
			for _, t := range batch {
				if err = w.Commit(ctx, t.Writes, t.Pos); err != nil {
					break
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	return nil
}

// EncodePosition is the position after the first n events.
func EncodePosition(n int64) connector.Position {
	return binary.BigEndian.AppendUint64(nil, uint64(n))
}

// DecodePosition reads a position written by EncodePosition.
func DecodePosition(p connector.Position) (int64, bool) {
	if len(p) != 8 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(p)), true
}
