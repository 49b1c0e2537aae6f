package coord

import (
	"sync"
	"time"

	"github.com/freshet-db/freshet/catalog"
	"github.com/freshet-db/freshet/executor/dataflow"
	"github.com/freshet-db/freshet/planner/plan"
	"github.com/freshet-db/freshet/sql/sqlerr"
	"github.com/freshet-db/freshet/sql/stream"
)

// ChangeBatch is the consolidated change of a subscribed collection at one
// timestamp. Batches arrive in timestamp order, one per timestamp at which
// the collection changed.
type ChangeBatch struct {
	Time    stream.Timestamp
	Wall    time.Time // when the coordinator applied Time
	Updates []stream.Update
}

// ErrSubscriberTooSlow ends a subscription whose reader fell more than its
// buffer behind: a slow subscriber never holds up the dataflow.
var ErrSubscriberTooSlow = sqlerr.New(sqlerr.ProgramLimitExceeded,
	"subscription fell too far behind its view and was ended")

// Subscription delivers the changes of one collection after a snapshot.
type Subscription struct {
	// C delivers change batches; it is closed when the subscription ends
	// (Err says why).
	C <-chan ChangeBatch
	c chan ChangeBatch

	coord *Coordinator
	id    catalog.ID // the view, or a transient dataflow's key
	// df is the subscription's own dataflow for SUBSCRIBE (query).
	df *dataflow.Dataflow

	mu     sync.Mutex
	err    error
	closed bool
}

// Err reports why C was closed: nil after Close, ErrSubscriberTooSlow, or
// the view being dropped.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.coord.mu.Lock()
	defer s.coord.mu.Unlock()
	s.coord.removeSubscriber(s)
	s.end(nil)
}

// end closes C with err; called with coord.mu held.
func (s *Subscription) end(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed, s.err = true, err
		close(s.c)
	}
}

func (c *Coordinator) removeSubscriber(s *Subscription) {
	subs := c.subs[s.id]
	for i, x := range subs {
		if x == s {
			c.subs[s.id] = append(subs[:i:i], subs[i+1:]...)
			break
		}
	}
	if len(c.subs[s.id]) == 0 {
		delete(c.subs, s.id)
	}
	if s.df != nil {
		for i, x := range c.transient {
			if x == s {
				c.transient = append(c.transient[:i:i], c.transient[i+1:]...)
				break
			}
		}
	}
}

// Subscribe returns the current contents of a table or materialized view
// as of a timestamp, and a subscription to every later change of it, with
// no gap and no overlap between the two. buffer bounds how many change
// batches may wait for the reader.
func (c *Coordinator) Subscribe(id catalog.ID, buffer int) ([]stream.Update, stream.Timestamp, *Subscription, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tables[id]; !ok {
		v, ok := c.views[id]
		if !ok {
			return nil, 0, nil, sqlerr.New(sqlerr.UndefinedTable, "relation with id %d does not exist", id)
		}
		if v.broken != nil {
			return nil, 0, nil, v.broken
		}
	}
	s := c.newSubscription(id, buffer)
	c.subs[id] = append(c.subs[id], s)
	return c.contents(id), c.now, s, nil
}

// SubscribePlan maintains a query (SUBSCRIBE (SELECT ...)) in a dataflow of
// its own for as long as the subscription lives; it returns the query's
// result now and every later change.
func (c *Coordinator) SubscribePlan(root plan.Node, buffer int) ([]stream.Update, stream.Timestamp, *Subscription, error) {
	df, err := dataflow.Build(root)
	if err != nil {
		return nil, 0, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	snap, err := df.Step(c.now, c.hydration(df))
	if err != nil {
		return nil, 0, nil, err
	}
	if err := df.Errors(); err != nil {
		return nil, 0, nil, err
	}
	c.nextTransient++
	s := c.newSubscription(catalog.ID(^uint64(0)-c.nextTransient), buffer)
	s.df = df
	c.subs[s.id] = append(c.subs[s.id], s)
	c.transient = append(c.transient, s)
	return snap, c.now, s, nil
}

func (c *Coordinator) newSubscription(id catalog.ID, buffer int) *Subscription {
	ch := make(chan ChangeBatch, max(buffer, 1))
	return &Subscription{C: ch, c: ch, coord: c, id: id}
}

// publish hands a collection's change at ts to its subscribers, ending
// those that cannot keep up. Called with mu held exclusively.
func (c *Coordinator) publish(id catalog.ID, ts stream.Timestamp, wall time.Time, us []stream.Update) {
	for _, s := range c.subs[id] {
		select {
		case s.c <- ChangeBatch{Time: ts, Wall: wall, Updates: us}:
		default:
			c.removeSubscriber(s)
			s.end(ErrSubscriberTooSlow)
		}
	}
}

// stepTransient steps the dataflows of SUBSCRIBE (query) subscriptions.
// Called with mu held exclusively, after every view has been stepped.
func (c *Coordinator) stepTransient(ts stream.Timestamp, wall time.Time, deltas map[plan.RelationID][]stream.Update) {
	for _, s := range append([]*Subscription(nil), c.transient...) {
		in := inputDeltas(s.df, deltas)
		if in == nil {
			continue
		}
		out, err := s.df.Step(ts, in)
		if err == nil {
			err = s.df.Errors()
		}
		if err != nil {
			c.removeSubscriber(s)
			s.end(err)
			continue
		}
		if len(out) > 0 {
			c.publish(s.id, ts, wall, out)
		}
	}
}

// endSubscriptions ends the subscriptions of a dropped relation.
func (c *Coordinator) endSubscriptions(id catalog.ID, name string) {
	for _, s := range append([]*Subscription(nil), c.subs[id]...) {
		c.removeSubscriber(s)
		s.end(sqlerr.New(sqlerr.UndefinedTable, "relation %q was dropped", name))
	}
}
