Console.WriteLine("NetGen MNIST sample");
