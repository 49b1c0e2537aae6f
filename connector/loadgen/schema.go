package loadgen

import (
	"github.com/freshet-db/freshet/connector"
	"github.com/freshet-db/freshet/sql/types"
)

// The tables of the e-commerce generator, in the order of Tables().
const (
	Customers = iota
	Products
	Inventory
	Orders
	OrderItems
	Payments
	PageViews
	CartEvents
	CompetitorPrices
	numTables
)

func col(name string, t types.T, notNull bool) connector.Column {
	return connector.Column{Name: name, Type: t, NotNull: notNull}
}

var (
	money     = types.NumericOf(12, 2)
	unitPrice = types.NumericOf(10, 2)
)

// Tables returns the schemas of the generated tables. Write.Table indexes
// into this slice.
func Tables() []connector.TableSchema {
	return []connector.TableSchema{
		Customers: {Name: "customers", PrimaryKey: []int{0}, Columns: []connector.Column{
			col("id", types.Int8T, true), col("name", types.TextT, true), col("email", types.TextT, true),
			col("country", types.TextT, true), col("created_at", types.TimestampT, true)}},
		Products: {Name: "products", PrimaryKey: []int{0}, Columns: []connector.Column{
			col("id", types.Int8T, true), col("sku", types.TextT, true), col("name", types.TextT, true),
			col("category", types.TextT, true), col("price", unitPrice, true)}},
		Inventory: {Name: "inventory", PrimaryKey: []int{0, 1}, Columns: []connector.Column{
			col("product_id", types.Int8T, true), col("warehouse", types.TextT, true),
			col("qty", types.Int4T, true), col("safety_stock", types.Int4T, true), col("updated_at", types.TimestampT, true)}},
		Orders: {Name: "orders", PrimaryKey: []int{0}, Columns: []connector.Column{
			col("id", types.Int8T, true), col("customer_id", types.Int8T, true), col("status", types.TextT, true),
			col("channel", types.TextT, true), col("total", money, true),
			col("created_at", types.TimestampT, true), col("updated_at", types.TimestampT, true)}},
		OrderItems: {Name: "order_items", PrimaryKey: []int{0, 1}, Columns: []connector.Column{
			col("order_id", types.Int8T, true), col("line", types.Int4T, true), col("product_id", types.Int8T, true),
			col("qty", types.Int4T, true), col("unit_price", unitPrice, true)}},
		Payments: {Name: "payments", PrimaryKey: []int{0}, Columns: []connector.Column{
			col("id", types.Int8T, true), col("order_id", types.Int8T, true), col("customer_id", types.Int8T, true),
			col("card_hash", types.TextT, true), col("amount", money, true), col("card_country", types.TextT, true),
			col("ip_country", types.TextT, true), col("device_id", types.TextT, true), col("status", types.TextT, true),
			col("created_at", types.TimestampT, true)}},
		PageViews: {Name: "page_views", PrimaryKey: []int{0}, Columns: []connector.Column{
			col("id", types.Int8T, true), col("session_id", types.TextT, true), col("customer_id", types.Int8T, false),
			col("product_id", types.Int8T, true), col("referrer", types.TextT, true), col("viewed_at", types.TimestampT, true)}},
		CartEvents: {Name: "cart_events", PrimaryKey: []int{0}, Columns: []connector.Column{
			col("id", types.Int8T, true), col("session_id", types.TextT, true), col("customer_id", types.Int8T, false),
			col("product_id", types.Int8T, true), col("action", types.TextT, true), col("qty", types.Int4T, true),
			col("created_at", types.TimestampT, true)}},
		CompetitorPrices: {Name: "competitor_prices", PrimaryKey: []int{0, 1}, Columns: []connector.Column{
			col("product_id", types.Int8T, true), col("competitor", types.TextT, true),
			col("price", unitPrice, true), col("updated_at", types.TimestampT, true)}},
	}
}

var (
	categories = []string{"electronics", "books", "toys", "fashion", "home", "garden", "sports", "beauty", "grocery", "games"}
	countries  = []string{"US", "DE", "FR", "GB", "NL", "ES", "IT", "PL", "SE", "BR", "JP", "IN"}
	warehouses = []string{"ams-1", "fra-1", "nyc-1", "sfo-1"}
	channels   = []string{"web", "app", "marketplace"}
	referrers  = []string{"search", "ads", "email", "social", "direct"}
	rivals     = []string{"bigbox", "quickshop", "dealzone"}
	adjectives = []string{"Classic", "Smart", "Eco", "Pro", "Mini", "Ultra", "Cozy", "Rapid", "Silent", "Bright"}
	nouns      = []string{"Lamp", "Kettle", "Novel", "Puzzle", "Jacket", "Planter", "Racket", "Serum", "Coffee", "Console", "Headphones", "Backpack"}
	firstNames = []string{"Ada", "Bo", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya"}
	lastNames  = []string{"Smith", "Müller", "Dubois", "Rossi", "Kowalski", "Silva", "Tanaka", "Patel", "Jansen", "García"}
)
