CREATE TABLE m1 (id int);
