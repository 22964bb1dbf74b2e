using System.Globalization;
using System.Text;
using NetGen.Data;

namespace NetGen.Tests.Data;

/// <summary>NetGen.Data.Csv: what loads, and that every kind of bad file names the file, the line and the column.</summary>
public class CsvDatasetTests
{
    [Fact]
    public void LoadClassification_ReadsFeaturesRowMajor_LabelByName_SkipsIgnoredColumns_AndQuotedFields()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("iris.csv");
        File.WriteAllText(path, "id,sepal,\"petal, length\",species\n7,5.1,1.4,0\n\n8, -2e-1 ,\"3\",2\r\n");
        CsvDataset<int> data = CsvDataset.LoadClassification(path, new CsvOptions { LabelColumn = "species", IgnoreColumns = ["id"] });
        Assert.Equal(2, data.Count);
        Assert.Equal(2, data.FeatureSize);
        Assert.Equal(["sepal", "petal, length"], data.FeatureNames);
        Assert.Equal("species", data.LabelName);
        Assert.Equal([5.1f, 1.4f, -0.2f, 3f], data.Features);
        Assert.Equal([0, 2], data.Labels);
    }

    [Fact]
    public void LoadRegression_WithoutHeader_TakesTheLastColumn_OrLabelIndex_AndOtherDelimiters()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("houses.tsv");
        File.WriteAllText(path, "1\t2\t3.5\n4\t5\t-6.25\n");
        CsvDataset<float> last = CsvDataset.LoadRegression(path, new CsvOptions { HasHeader = false, Delimiter = '\t' });
        Assert.Equal([1f, 2f, 4f, 5f], last.Features);
        Assert.Equal([3.5f, -6.25f], last.Labels);
        Assert.Equal(["column1", "column2"], last.FeatureNames);

        CsvDataset<float> first = CsvDataset.LoadRegression(path, new CsvOptions { HasHeader = false, Delimiter = '\t', LabelIndex = 0 });
        Assert.Equal([2f, 3.5f, 5f, -6.25f], first.Features);
        Assert.Equal([1f, 4f], first.Labels);
    }

    // One bad value at a time in an otherwise good file: the message names the file, its line and its column.
    [Theory]
    [InlineData("1,abc,0", "line 3, column 2 ('b'): 'abc' is not a number")]
    [InlineData("1,,0", "line 3, column 2 ('b'): the value is empty")]
    [InlineData("1,NaN,0", "line 3, column 2 ('b'): 'NaN' is not a finite float")]
    [InlineData("1,1e39,0", "line 3, column 2 ('b'): '1e39' is not a finite float")]
    [InlineData("1,2,1.5", "line 3, column 3 ('label'): '1.5' is not a class label")]
    [InlineData("1,2,-1", "line 3, column 3 ('label'): '-1' is not a class label")]
    [InlineData("1,2,cat", "line 3, column 3 ('label'): 'cat' is not a class label")]
    [InlineData("1,2", "line 3: 2 fields, but the header has 3")]
    [InlineData("1,2,0,4", "line 3: 4 fields, but the header has 3")]
    public void BadValue_ThrowsInvalidData_NamingFileLineAndColumn(string badRow, string expected)
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("data.csv");
        File.WriteAllText(path, $"a,b,label\n0.5,1,1\n{badRow}\n2,3,0\n");
        var error = Assert.Throws<InvalidDataException>(() => CsvDataset.LoadClassification(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void LabelColumnMissing_ThrowsArgument_ListingTheColumns()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("data.csv");
        File.WriteAllText(path, "a,b,y\n1,2,0\n");
        var error = Assert.Throws<ArgumentException>(() => CsvDataset.LoadClassification(path, new CsvOptions { LabelColumn = "label" }));
        Assert.Contains("has no column 'label'", error.Message);
        Assert.Contains("'a', 'b', 'y'", error.Message);
        Assert.Throws<ArgumentException>(() => CsvDataset.LoadClassification(path, new CsvOptions { IgnoreColumns = ["id"] }));
        Assert.Throws<ArgumentException>(() => CsvDataset.LoadClassification(path, new CsvOptions { LabelIndex = 3 }));
        Assert.Throws<ArgumentException>(() => CsvDataset.LoadClassification(path, new CsvOptions { HasHeader = false, LabelColumn = "y" }));
    }

    [Fact]
    public void BrokenCsvEmptyFileAndMissingFile_ThrowNamingTheFile()
    {
        using var folder = new TemporaryFolder();
        string open = folder.File("open.csv");
        File.WriteAllText(open, "a,b\n1,\"2\n3,4\n");
        var error = Assert.ThrowsAny<InvalidDataException>(() => CsvDataset.LoadRegression(open));
        Assert.Contains(open, error.Message);

        string empty = folder.File("empty.csv");
        File.WriteAllText(empty, "");
        Assert.Contains("holds no records", Assert.Throws<InvalidDataException>(() => CsvDataset.LoadRegression(empty)).Message);

        Assert.Throws<FileNotFoundException>(() => CsvDataset.LoadRegression(folder.File("missing.csv")));
    }

    // Property: random tables written with round-trip formatting load back exactly, whatever the shape and the quoting.
    [Fact]
    public void RandomTables_RoundTripExactly()
    {
        using var folder = new TemporaryFolder();
        var random = new Random(23);
        for (int trial = 0; trial < 30; trial++)
        {
            int rows = random.Next(1, 40), columns = random.Next(1, 7), label = random.Next(0, columns + 1);
            var text = new StringBuilder(string.Join(",", Enumerable.Range(0, columns + 1).Select(c => c == label ? "y" : $"\"f {c}\"")) + "\n");
            var features = new List<float>();
            var labels = new List<int>();
            for (int r = 0; r < rows; r++)
            {
                var fields = new List<string>();
                for (int c = 0; c <= columns; c++)
                {
                    if (c == label)
                    {
                        labels.Add(random.Next(0, 5));
                        fields.Add(labels[^1].ToString(CultureInfo.InvariantCulture));
                        continue;
                    }
                    float value = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 9)));
                    features.Add(value);
                    string written = value.ToString("R", CultureInfo.InvariantCulture);
                    fields.Add(random.Next(3) == 0 ? $"\"{written}\"" : written);
                }
                text.Append(string.Join(",", fields)).Append(random.Next(2) == 0 ? "\n" : "\r\n");
            }

            string path = folder.File($"table{trial}.csv");
            File.WriteAllText(path, text.ToString());
            CsvDataset<int> data = CsvDataset.LoadClassification(path, new CsvOptions { LabelColumn = "y" });
            Assert.Equal(features, data.Features);
            Assert.Equal(labels, data.Labels);
            Assert.Equal(columns, data.FeatureSize);
        }
    }
}
