-- The foundation issue's walk-through, as an analyst types it into psql.
CREATE TABLE products (id BIGINT PRIMARY KEY, category TEXT NOT NULL, price NUMERIC(10,2));
CREATE TABLE orders (id BIGINT PRIMARY KEY, product_id BIGINT, qty INT, status TEXT, created_at TIMESTAMP);
CREATE MATERIALIZED VIEW revenue_by_category AS
  SELECT p.category, SUM(o.qty * p.price) AS revenue, COUNT(*) AS orders
  FROM orders o JOIN products p ON o.product_id = p.id
  WHERE o.status <> 'cancelled' GROUP BY p.category;
INSERT INTO products VALUES (1, 'books', 12.50), (2, 'books', 7.25), (3, 'games', 59.99), (4, 'toys', 3.10);
INSERT INTO orders VALUES
  (6, 4, 3, 'paid', '2026-11-25 09:59:00'),
  (7, 1, 2, 'paid', '2026-11-25 10:00:00'),
  (8, 2, 1, 'paid', '2026-11-25 10:01:00'),
  (9, 3, 1, 'placed', '2026-11-25 10:02:00.5');
SELECT * FROM revenue_by_category ORDER BY revenue DESC;
UPDATE orders SET status = 'cancelled' WHERE id = 7;
DELETE FROM products WHERE id = 3;
SELECT * FROM revenue_by_category ORDER BY revenue DESC;
BEGIN;
INSERT INTO orders VALUES (10, 1, 4, 'paid', '2026-11-25 11:00:00');
UPDATE products SET price = price + 1 WHERE category = 'books';
COMMIT;
SELECT * FROM revenue_by_category ORDER BY revenue DESC;
SELECT id, qty * 2 AS double_qty, status || '!' AS loud, created_at FROM orders WHERE id >= 8 ORDER BY id;
-- Errors leave the session usable.
INSERT INTO orders VALUES (10, 1, 1, 'paid', NULL);
INSERT INTO products VALUES (5, NULL, 1.00);
SELECT * FROM nope;
SELECT nope FROM orders;
SELECT 1 / 0;
SELECT 'abc'::int;
DROP TABLE products;
SHOW TABLES;
SHOW MATERIALIZED VIEWS;
SHOW COLUMNS FROM products;
DROP TABLE orders CASCADE;
SHOW MATERIALIZED VIEWS;
